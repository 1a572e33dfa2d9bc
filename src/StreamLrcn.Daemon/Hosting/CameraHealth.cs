namespace StreamLrcn.Hosting;

/// <summary>One camera in <c>/health</c>.</summary>
public sealed record CameraHealth(
    string Name,
    string State,
    string? Label,
    double? Confidence,
    double? LastFrameAgeSeconds,
    long FramesIn,
    long FramesClassified,
    long FramesDropped,
    long Reconnects,
    string? LastError);
