using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// A recorded video decoded by the FFmpeg that the OpenCV runtime bundles. Timestamps come from
/// the container (counted from the first frame). A file that ends before the frame count its container announces is reported
/// as truncated rather than passed off as a normal end.
/// </summary>
public sealed class VideoFileSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly string _path;
    private long _framesRead;
    private double? _firstMilliseconds;
    private double _lastMilliseconds;

    public VideoFileSource(string path)
    {
        _path = path;
        Name = System.IO.Path.GetFileName(path);
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FrameSourceException($"input '{path}' does not exist: expected a video file or an image folder");
        if (info.Length == 0)
            throw new FrameSourceException($"input '{path}' is empty (0 bytes): expected a video file");

        _capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new FrameSourceException(
                $"input '{path}' could not be opened as a video: expected a container with a video stream FFmpeg can decode " +
                $"(MP4/H.264, AVI/MJPG, ...), found {info.Length} bytes starting with {DescribeHead(path)}; the file is not a video or is cut short");
        }

        FramesPerSecond = _capture.Fps is > 0 and < 1000 ? _capture.Fps : 0;
        var count = _capture.FrameCount;
        ExpectedFrameCount = count > 0 ? count : null;
    }

    public string Name { get; }

    public double FramesPerSecond { get; }

    public long? ExpectedFrameCount { get; }

    public bool Read(Mat image, out SourceReading reading)
    {
        if (!_capture.Read(image) || image.Empty())
        {
            reading = default;
            // Containers estimate their frame count from the duration for some codecs; one frame of
            // slack keeps a rounding difference from being called a truncation.
            if (ExpectedFrameCount is { } expected && _framesRead < expected - 1)
                throw new FrameSourceException(
                    $"input '{_path}' ended after {_framesRead} frames but its container announces {expected}: " +
                    $"the file is truncated or corrupt after frame {_framesRead}");
            return false;
        }

        reading = new SourceReading(NextTimestamp(_capture.Get(VideoCaptureProperties.PosMsec)), false);
        _framesRead++;
        return true;
    }

    /// <summary>
    /// Time of the frame just read, counted from the first frame. The container's clock is used
    /// while it moves forward; where it does not (AVI files with packed B-frames carry decode
    /// times only, and the frames the decoder flushes at the end come back as 0), the frame is
    /// placed one nominal frame interval after the previous one, so timestamps never go back.
    /// </summary>
    private TimeSpan NextTimestamp(double containerMilliseconds)
    {
        _firstMilliseconds ??= containerMilliseconds;
        var candidate = containerMilliseconds - _firstMilliseconds.Value;
        var interval = 1000.0 / (FramesPerSecond > 0 ? FramesPerSecond : 30);
        var milliseconds = _framesRead == 0 ? 0
            : candidate > _lastMilliseconds ? candidate
            : _lastMilliseconds + interval;
        _lastMilliseconds = milliseconds;
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    public void Dispose() => _capture.Dispose();

    private static string DescribeHead(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var stream = File.OpenRead(path);
        var n = stream.Read(head);
        return Convert.ToHexString(head[..n]) is var hex && n > 0 ? $"0x{hex}" : "nothing";
    }
}
