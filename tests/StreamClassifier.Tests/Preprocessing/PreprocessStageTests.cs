using System.Threading.Channels;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Preprocessing;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Preprocessing;

public sealed class PreprocessStageTests
{
    [Fact]
    public async Task Parallel_workers_keep_the_frame_order_and_resize_like_OpenCV()
    {
        using var pool = new FrameSlotPool(8, 32, 24);
        var input = Channel.CreateBounded<Frame>(4);
        var output = Channel.CreateBounded<PreprocessedFrame>(4);
        var stage = new PreprocessStage(input.Reader, output.Writer, pool, workers: 3);
        var run = stage.RunAsync(CancellationToken.None);
        var stream = new StreamInfo(0, "s", 30);

        var feed = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                var image = new Mat(96, 128, MatType.CV_8UC3);
                TestMedia.DrawFrame(image, i);
                await input.Writer.WriteAsync(new Frame(new FrameHeader(stream, i, TimeSpan.Zero, 0, FrameFlags.None), image));
            }
            input.Writer.Complete();
        });

        var sequences = new List<long>();
        using var expected = new Mat();
        using var reference = new Mat(96, 128, MatType.CV_8UC3);
        await foreach (var frame in output.Reader.ReadAllAsync())
        {
            sequences.Add(frame.Header.Sequence);
            TestMedia.DrawFrame(reference, (int)frame.Header.Sequence);
            Cv2.Resize(reference, expected, new Size(32, 24), 0, 0, InterpolationFlags.Linear);
            Assert.True(frame.Slot.Span.SequenceEqual(expected.AsSpan<byte>()), $"frame {frame.Header.Sequence} was not resized from its own image");
            frame.Release();
        }
        await feed;
        await run;

        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), sequences);
    }
}
