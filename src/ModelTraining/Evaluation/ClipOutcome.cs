namespace StreamLrcn.Training.Evaluation;

/// <summary>What the exported head said about one clip.</summary>
/// <param name="Probabilities">Clip-level class probabilities, in label order.</param>
/// <param name="WindowsCorrect">Runtime sliding windows of this clip labelled correctly, of <paramref name="Windows"/>.</param>
/// <param name="FramesCorrect">Per-frame (stateful) labels that are correct, of <paramref name="Frames"/>.</param>
public sealed record ClipOutcome(string Clip, string Label, string Predicted, double[] Probabilities,
    int Windows, int WindowsCorrect, int Frames, int FramesCorrect)
{
    /// <summary>Windows the runtime labels "none" (below the thresholds, or the background class); null for a package that has no "none".</summary>
    public int? NoneWindows { get; init; }

    /// <inheritdoc cref="NoneWindows"/>
    public int? NoneFrames { get; init; }
}
