using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// A recorded video decoded by the FFmpeg that the OpenCV runtime bundles. Timestamps come from
/// the container. A file that ends before the frame count its container announces is reported
/// as truncated rather than passed off as a normal end.
/// </summary>
public sealed class VideoFileSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly string _path;
    private long _framesRead;

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

        reading = new SourceReading(TimeSpan.FromMilliseconds(_capture.Get(VideoCaptureProperties.PosMsec)), false);
        _framesRead++;
        return true;
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
