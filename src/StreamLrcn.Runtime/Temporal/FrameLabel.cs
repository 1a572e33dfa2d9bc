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
    public float Confidence => Probabilities[LabelIndex];
}
