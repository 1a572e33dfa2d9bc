using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// A synthetic, deterministic source for demos and tests: a gradient background with a disc that
/// moves left to right (or right to left) and the frame number printed on it.
/// </summary>
public sealed class TestPatternSource : IFrameSource
{
    private readonly int _width;
    private readonly int _height;
    private readonly long _frames;
    private readonly bool _reverse;
    private long _next;

    /// <param name="frames">Frames to produce; 0 for an endless stream.</param>
    public TestPatternSource(string name, int width = 640, int height = 480, double framesPerSecond = 30, long frames = 300, bool reverse = false)
    {
        if (width < 16 || height < 16)
            throw new ArgumentOutOfRangeException(nameof(width), $"test pattern size must be at least 16x16, found {width}x{height}");
        Name = name;
        _width = width;
        _height = height;
        _frames = frames;
        _reverse = reverse;
        FramesPerSecond = framesPerSecond;
    }

    public string Name { get; }

    public double FramesPerSecond { get; }

    public long? ExpectedFrameCount => _frames > 0 ? _frames : null;

    public bool Read(Mat image, out SourceReading reading)
    {
        reading = default;
        if (_frames > 0 && _next >= _frames)
            return false;
        Draw(image, _next);
        reading = new SourceReading(TimeSpan.FromSeconds(_next / FramesPerSecond), false);
        _next++;
        return true;
    }

    private void Draw(Mat image, long index)
    {
        image.Create(_height, _width, MatType.CV_8UC3);
        var shade = (int)(index * 3 % 256);
        image.SetTo(new Scalar(shade, 255 - shade, 128));
        // One crossing of the frame takes 60 frames.
        var phase = index % 60 / 59.0;
        if (_reverse)
            phase = 1 - phase;
        var x = (int)(_width * 0.1 + phase * _width * 0.8);
        Cv2.Circle(image, new Point(x, _height / 2), Math.Max(4, _height / 8), Scalar.White, -1, LineTypes.AntiAlias);
        Cv2.PutText(image, index.ToString(System.Globalization.CultureInfo.InvariantCulture), new Point(8, _height - 12),
            HersheyFonts.HersheySimplex, _height / 480.0, Scalar.Black, 2, LineTypes.AntiAlias);
    }

    public void Dispose()
    {
    }
}
