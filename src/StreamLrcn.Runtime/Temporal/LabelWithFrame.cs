using StreamLrcn.Capture;

namespace StreamLrcn.Temporal;

/// <summary>
/// What the temporal stage hands the sinks: a frame's label and, when the run keeps frames for a
/// sink that draws on them, the decoded frame itself (it rode with its CNN row). Whoever reads it
/// owns <see cref="Frame"/> and disposes it.
/// </summary>
public readonly record struct LabelWithFrame(FrameLabel Label, Frame? Frame);
