namespace StreamLrcn.Hosting.Web;

/// <summary>An MP4 to write: the frames of a label event's window, at <paramref name="FramesPerSecond"/>.</summary>
internal sealed record ClipJob(string Path, IReadOnlyList<RecordedFrame> Frames, double FramesPerSecond);
