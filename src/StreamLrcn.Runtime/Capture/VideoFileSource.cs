using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// A recorded video decoded by the FFmpeg that the OpenCV runtime bundles. Timestamps come from
/// the container (counted from the first frame). The first frame is decoded at open, so a file
/// that opens but holds no decodable frame is an input that cannot be read. Frames that cannot be
/// decoded mid-file (a corrupt packet) are skipped and counted. A file that ends before the frame
/// count its container announces is reported as truncated rather than passed off as a normal end.
/// </summary>
public sealed class VideoFileSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly string _path;
    private long _framesRead;
    private long _skipped;
    private Mat? _first;
    private double _firstPosition;
    private double? _firstMilliseconds;
    private double _lastMilliseconds;

    /// <summary>OpenCV's <c>CAP_PROP_N_THREADS</c>, which OpenCvSharp's enum does not name.</summary>
    private const int DecoderThreadsProperty = 70;

    /// <param name="name">Name in outputs; the file's name when null.</param>
    /// <param name="decoderThreads">FFmpeg decoding threads; 0 lets FFmpeg choose (one per core). One suits a CNN on the CPU (<c>CnnOptions.DecoderThreadsPerFile</c>).</param>
    public VideoFileSource(string path, string? name = null, int decoderThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decoderThreads);
        _path = path;
        Name = name ?? System.IO.Path.GetFileName(path);
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FrameSourceException($"input '{path}' does not exist: expected a video file or an image folder");
        if (info.Length == 0)
            throw new FrameSourceException($"input '{path}' is empty (0 bytes): expected a video file");

        _capture = decoderThreads > 0
            ? new VideoCapture(path, VideoCaptureAPIs.FFMPEG, [DecoderThreadsProperty, decoderThreads])
            : new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new FrameSourceException(
                $"input '{path}' could not be opened as a video: expected a container with a video stream FFmpeg can decode " +
                $"(MP4/H.264, AVI/MJPG, ...), found {info.Length} bytes starting with {DescribeHead(path)}; the file is not a video or is cut short");
        }

        FramesPerSecond = _capture.Fps is > 0 and < 1000 ? _capture.Fps : 0;
        DecoderThreads = (int)_capture.Get((VideoCaptureProperties)DecoderThreadsProperty);
        var count = _capture.FrameCount;
        ExpectedFrameCount = count > 0 ? count : null;

        _first = new Mat();
        if (!Grab(_first))
        {
            _first.Dispose();
            _capture.Dispose();
            throw new FrameSourceException(
                $"input '{path}' could not be read: FFmpeg opens it but decodes no frame from it " +
                $"({info.Length} bytes starting with {DescribeHead(path)}); the file is not a video or is corrupt");
        }
        _firstPosition = _capture.Get(VideoCaptureProperties.PosMsec);
    }

    public string Name { get; }

    public double FramesPerSecond { get; }

    public long? ExpectedFrameCount { get; }

    public long FramesSkipped => _skipped;

    /// <summary>The threads FFmpeg decodes this file with.</summary>
    public int DecoderThreads { get; }

    public bool Read(Mat image, out SourceReading reading)
    {
        double position;
        if (_first is not null)
        {
            _first.CopyTo(image);
            _first.Dispose();
            _first = null;
            position = _firstPosition;
        }
        else if (Grab(image))
        {
            position = _capture.Get(VideoCaptureProperties.PosMsec);
        }
        else
        {
            reading = default;
            // Containers estimate their frame count from the duration for some codecs; one frame of
            // slack keeps a rounding difference from being called a truncation.
            if (ExpectedFrameCount is { } expected && _framesRead + _skipped < expected - 1)
                throw new FrameSourceException(
                    $"input '{_path}' ended after {_framesRead} frames but its container announces {expected}: " +
                    $"the file is truncated or corrupt after frame {_framesRead + _skipped}");
            return false;
        }

        reading = new SourceReading(NextTimestamp(position), false);
        _framesRead++;
        return true;
    }

    /// <summary>
    /// Decodes the next frame into <paramref name="image"/>. A packet that does not decode fails one
    /// read and the next read goes on after it, so failed reads followed by a good frame are frames
    /// skipped. At the end of the file every read fails: retrying stops once the frames read and
    /// attempted reach what the container announces (at the first failure when it announces nothing).
    /// </summary>
    private bool Grab(Mat image)
    {
        long failures = 0;
        while (!_capture.Read(image) || image.Empty())
        {
            failures++;
            if (ExpectedFrameCount is not { } expected || _framesRead + _skipped + failures >= expected)
                return false;
        }
        _skipped += failures;
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

    public void Dispose()
    {
        _first?.Dispose();
        _capture.Dispose();
    }

    private static string DescribeHead(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var stream = File.OpenRead(path);
        var n = stream.Read(head);
        return Convert.ToHexString(head[..n]) is var hex && n > 0 ? $"0x{hex}" : "nothing";
    }
}
