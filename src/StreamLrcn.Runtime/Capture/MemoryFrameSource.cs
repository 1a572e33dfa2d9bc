using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// Plays a few frames rendered once, over and over, as fast as it is read: a source with no
/// decoding cost, so a benchmark measures the pipeline and the CNN alone.
/// </summary>
public sealed class MemoryFrameSource : IFrameSource
{
    private readonly Mat[] _frames;
    private readonly long _count;
    private long _next;

    public MemoryFrameSource(string name, long frames, int width = 640, int height = 480, int distinct = 8, double framesPerSecond = 30)
    {
        Name = name;
        _count = frames;
        FramesPerSecond = framesPerSecond;
        using var pattern = new TestPatternSource(name, width, height, framesPerSecond, distinct);
        _frames = new Mat[distinct];
        for (var i = 0; i < distinct; i++)
        {
            _frames[i] = new Mat();
            pattern.Read(_frames[i], out _);
        }
    }

    public string Name { get; }

    public double FramesPerSecond { get; }

    public long? ExpectedFrameCount => _count;

    public bool Read(Mat image, out SourceReading reading)
    {
        reading = default;
        if (_next >= _count)
            return false;
        _frames[_next % _frames.Length].CopyTo(image);
        reading = new SourceReading(TimeSpan.FromSeconds(_next / FramesPerSecond), false);
        _next++;
        return true;
    }

    public void Dispose()
    {
        foreach (var frame in _frames)
            frame.Dispose();
    }
}
