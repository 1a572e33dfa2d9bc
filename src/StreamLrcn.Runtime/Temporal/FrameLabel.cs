using StreamLrcn.Capture;

namespace StreamLrcn.Temporal;

/// <summary>The result for one frame: its per-frame label and, every stride frames, the window label.</summary>
public sealed record FrameLabel(
    FrameHeader Header,
    int LabelIndex,
    float[] Probabilities,
    int? WindowLabelIndex,
    float[]? WindowProbabilities,
    ResetReason Reset,
    double LatencyMilliseconds)
{
    /// <summary>The probability of the label; for "none" (<see cref="IsNone"/>) the highest class probability.</summary>
    public float Confidence => LabelThresholds.ConfidenceOf(LabelIndex, Probabilities);

    /// <summary>No label reached its threshold (<see cref="LabelThresholds"/>): <see cref="LabelIndex"/> is one past the classes.</summary>
    public bool IsNone => LabelIndex == Probabilities.Length;
}
