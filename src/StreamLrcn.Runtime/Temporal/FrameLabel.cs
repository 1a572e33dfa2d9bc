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
    /// <summary>
    /// The probability of the label; for the "none" of a package without a background class (one past
    /// the classes, see <see cref="LabelThresholds"/>) the highest class probability.
    /// </summary>
    public float Confidence => LabelThresholds.ConfidenceOf(LabelIndex, Probabilities);
}
