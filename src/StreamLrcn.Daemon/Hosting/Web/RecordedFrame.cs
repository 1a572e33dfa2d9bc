using StreamLrcn.Temporal;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// One frame kept in a camera's ring: the clean picture as JPEG and the label it got.
/// <paramref name="WindowLabel"/> is the camera's newest window label at that frame (window labels
/// come every stride frames), null before the first. <paramref name="Time"/> is the stream's clock (presentation time where the camera's rate is
/// known, arrival time otherwise); clip windows are measured on it. Immutable: readers share it.
/// </summary>
public sealed record RecordedFrame(long Sequence, TimeSpan Time, int Segment, DateTimeOffset WallTime, byte[] Jpeg, int Width, int Height, FrameLabel Label, int? WindowLabel = null, float WindowConfidence = 0);
