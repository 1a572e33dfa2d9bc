using System.Threading.Channels;
using OpenCvSharp;
using StreamLrcn.Capture;

namespace StreamLrcn.Tests.Capture;

public sealed class CaptureStageTests
{
    [Fact]
    public async Task An_unexpected_exception_in_a_source_ends_its_stream_as_a_failure_instead_of_the_process()
    {
        var channel = Channel.CreateUnbounded<Frame>();
        var stream = new StreamInfo(0, "faulty", 30);
        using var capture = new CaptureStage(stream, new FailingSource(new TestPatternSource("faulty"), failAt: 3), channel.Writer, CancellationToken.None);

        capture.Start();
        var outcome = await capture.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(outcome.Failed);
        Assert.Equal(3, outcome.FramesCaptured);
        Assert.Equal("the source broke at frame 3", outcome.Error);
        var frames = 0;
        while (channel.Reader.TryRead(out var frame))
        {
            frames++;
            frame.Dispose();
        }
        Assert.Equal(3, frames);
    }

    /// <summary>A real source that throws what no source is meant to throw (a bug) at a given frame.</summary>
    private sealed class FailingSource(IFrameSource inner, int failAt) : IFrameSource
    {
        private int _read;

        public string Name => inner.Name;

        public double FramesPerSecond => inner.FramesPerSecond;

        public long? ExpectedFrameCount => inner.ExpectedFrameCount;

        public bool Read(Mat image, out SourceReading reading)
        {
            if (_read == failAt)
                throw new InvalidOperationException($"the source broke at frame {failAt}");
            _read++;
            return inner.Read(image, out reading);
        }

        public void Dispose() => inner.Dispose();
    }
}
