using System.Diagnostics;
using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// Plays a recorded source in real time: each frame is released when its timestamp (relative to
/// the first frame) has elapsed on the wall clock, so a file shown live runs at its own frame rate
/// instead of as fast as it decodes. Sleeps on the capture thread, which exists for blocking.
/// A frame late because decoding is slow goes out at once; no wait exceeds <see cref="MaxWait"/>,
/// so a jump in the file's timestamps cannot stall the stream. Owns the inner source.
/// </summary>
public sealed class PacedFrameSource(IFrameSource inner) : IFrameSource
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    private long _origin;
    private TimeSpan _firstTimestamp;
    private long _frames;

    public string Name => inner.Name;

    public double FramesPerSecond => inner.FramesPerSecond;

    /// <summary>Null: once paced, the source behaves as a live one.</summary>
    public long? ExpectedFrameCount => null;

    public long FramesSkipped => inner.FramesSkipped;

    public bool Read(Mat image, out SourceReading reading)
    {
        if (!inner.Read(image, out reading))
            return false;
        var timestamp = reading.Timestamp ?? TimeSpan.FromSeconds(_frames / (FramesPerSecond > 0 ? FramesPerSecond : 30));
        if (_frames++ == 0)
        {
            _origin = Stopwatch.GetTimestamp();
            _firstTimestamp = timestamp;
            return true;
        }
        var wait = timestamp - _firstTimestamp - Stopwatch.GetElapsedTime(_origin);
        if (wait > TimeSpan.Zero)
            Thread.Sleep(wait < MaxWait ? wait : MaxWait);
        return true;
    }

    public void Dispose() => inner.Dispose();
}
