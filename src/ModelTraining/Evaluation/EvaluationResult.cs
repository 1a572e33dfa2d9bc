namespace StreamLrcn.Training.Evaluation;

/// <summary>
/// Accuracy of an exported model package on a set of clips, measured by running the head in ONNX
/// Runtime as the runtime does. Confusion matrices are [true label][predicted label].
/// Each accuracy comes with what it has to beat: the balanced accuracy (mean recall over the classes
/// present, which a constant guess keeps at 1 / classes) and the majority baseline (the accuracy of
/// always predicting the most frequent true label of the scored clips, windows or frames).
/// </summary>
public sealed record EvaluationResult
{
    public required string Model { get; init; }
    public required string Data { get; init; }
    public required string Sampling { get; init; }
    public required int Window { get; init; }
    public required int Stride { get; init; }
    public required IReadOnlyList<string> Labels { get; init; }
    public required int Clips { get; init; }

    /// <summary>Clip label: the last step over the clip sampled as in training (for window sampling: the mean of the clip's windows).</summary>
    public required double ClipAccuracy { get; init; }
    public required double ClipBalancedAccuracy { get; init; }
    public required double ClipMajorityBaseline { get; init; }

    /// <summary>The runtime's window labels (GRU from zero state over each window of consecutive frames, every stride frames).</summary>
    public required double WindowAccuracy { get; init; }
    public required double WindowBalancedAccuracy { get; init; }
    public required double WindowMajorityBaseline { get; init; }
    public required int Windows { get; init; }

    /// <summary>The runtime's per-frame labels (stateful GRU from the clip's first frame).</summary>
    public required double FrameAccuracy { get; init; }
    public required double FrameBalancedAccuracy { get; init; }
    public required double FrameMajorityBaseline { get; init; }
    public required int Frames { get; init; }
    public required int[][] ClipConfusion { get; init; }
    public required int[][] WindowConfusion { get; init; }
    public required int[][] FrameConfusion { get; init; }
    public required IReadOnlyList<ClassMetrics> ClipMetrics { get; init; }
    public required IReadOnlyList<ClassMetrics> WindowMetrics { get; init; }
    public required IReadOnlyList<ClassMetrics> FrameMetrics { get; init; }
    public required IReadOnlyList<ClipOutcome> PerClip { get; init; }

    /// <summary>A frame-averaging linear classifier trained on the same clips, when one was computed (no notion of time).</summary>
    public double? FrameAveragingBaselineAccuracy { get; init; }

    /// <summary>
    /// For a package with per-label thresholds or a background class: the frames and windows the
    /// runtime would label "none" (no label reaches its threshold, or the background class wins). The
    /// accuracies above are of the most probable label and leave the thresholds out; null for a
    /// package that has no "none". Per clip in <see cref="ClipOutcome.NoneFrames"/>.
    /// </summary>
    public int? NoneFrames { get; init; }

    /// <inheritdoc cref="NoneFrames"/>
    public int? NoneWindows { get; init; }
}
