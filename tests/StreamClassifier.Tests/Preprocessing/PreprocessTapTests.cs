using System.Threading.Channels;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Pipeline;
using StreamLrcn.Preprocessing;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Tests.Preprocessing;

public sealed class PreprocessTapTests
{
    [Fact]
    public async Task With_several_workers_every_resized_frame_finds_its_decoded_frame_in_the_tap_in_output_order()
    {
        const int count = 60;
        var streams = new[] { new StreamInfo(0, "a", 30), new StreamInfo(1, "b", 30) };
        using var pool = new FrameSlotPool(6, 32, 32);
        using var tap = new FrameTap();
        tap.Open(pool.Capacity + 3);
        var input = Channel.CreateBounded<Frame>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.Wait });
        var output = Channel.CreateBounded<PreprocessedFrame>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var stage = new PreprocessStage(input.Reader, output.Writer, pool, workers: 3, frameTap: tap.Writer).RunAsync(CancellationToken.None);

        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var stream = streams[i % 2];
                // Frames of different sizes take different times to resize, so workers finish out of order.
                var size = i % 3 == 0 ? 480 : 48;
                var header = new FrameHeader(stream, i / 2, TimeSpan.FromSeconds(i / 2 / 30.0), 0, FrameFlags.None);
                await input.Writer.WriteAsync(new Frame(header, new Mat(size, size, MatType.CV_8UC3, Scalar.All(i))));
            }
            input.Writer.Complete();
        });

        var taken = new List<(int Stream, long Sequence, double Value)>();
        await foreach (var item in output.Reader.ReadAllAsync())
        {
            using (var frame = tap.Take(item.Header))
                taken.Add((frame.Header.Stream.Id, frame.Header.Sequence, frame.Image.At<Vec3b>(0, 0).Item0));
            item.Release();
        }
        await producer;
        await stage;

        Assert.Equal(count, taken.Count);
        // Output order is input order, and each decoded frame is the one its header names.
        Assert.Equal(Enumerable.Range(0, count).Select(i => (i % 2, (long)(i / 2), (double)i)), taken);
        // Every slot came back: each can be rented again at once.
        for (var i = 0; i < pool.Capacity; i++)
            Assert.True(pool.RentAsync(CancellationToken.None).IsCompletedSuccessfully, $"slot {i} of {pool.Capacity} was not returned");
    }
}
