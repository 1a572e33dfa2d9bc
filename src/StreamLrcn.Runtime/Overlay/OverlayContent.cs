using StreamLrcn.Temporal;

namespace StreamLrcn.Overlay;

/// <summary>Everything one overlay shows, for one frame.</summary>
/// <param name="Label">The frame's label; null while connecting (nothing labelled yet).</param>
/// <param name="WindowLabelIndex">The latest window label of the stream (window labels come every stride frames); null until a full window has been seen since the last reset.</param>
/// <param name="WindowConfidence">Probability of <paramref name="WindowLabelIndex"/>.</param>
/// <param name="WindowFill">Frames seen since the last reset, capped at <paramref name="WindowSize"/>.</param>
/// <param name="Detail">The status line after the state: fps and latency live, frame and time in a recording.</param>
public sealed record OverlayContent(
    string StreamName,
    StreamState State,
    FrameLabel? Label,
    int? WindowLabelIndex,
    float WindowConfidence,
    int WindowFill,
    int WindowSize,
    string Detail);
