using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;

namespace StreamLrcn.Tests.Inference;

/// <summary>The difference rows of a batch: per stream, reset on the same rules as the recurrent state.</summary>
public sealed class DifferenceRowsTests : IDisposable
{
    private static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(1);
    private readonly CnnBatchPool _pool = CnnBatchPool.HostOnly(1, 4, CnnStreams.Create([CnnStreams.Rgb, CnnStreams.DifferenceStream]));
    private readonly DifferenceRows _rows = DifferenceRows.For(CnnStreams.Create([CnnStreams.Rgb, CnnStreams.DifferenceStream]), MaxGap)!;
    private readonly StreamInfo _a = new(0, "a", 30);
    private readonly StreamInfo _b = new(1, "b", 30);

    [Fact]
    public async Task A_stream_start_a_discontinuity_a_new_segment_a_time_jump_and_a_user_reset_each_give_a_zero_difference()
    {
        // (stream, ms, flags, segment, value) → expected 2·|value − previous value of the stream|, 0 after a reset.
        Assert.Equal(0, await Difference(_a, 0, FrameFlags.StreamStart, 0, 10));
        Assert.Equal(0, await Difference(_b, 0, FrameFlags.StreamStart, 0, 200));
        Assert.Equal(20, await Difference(_a, 33, FrameFlags.None, 0, 20));
        Assert.Equal(20, await Difference(_b, 33, FrameFlags.None, 0, 210));
        Assert.Equal(0, await Difference(_a, 66, FrameFlags.Discontinuity, 0, 40));
        Assert.Equal(20, await Difference(_a, 100, FrameFlags.None, 0, 50));
        Assert.Equal(0, await Difference(_a, 133, FrameFlags.None, 1, 70));
        Assert.Equal(10, await Difference(_a, 166, FrameFlags.None, 1, 75));
        Assert.Equal(0, await Difference(_a, 5000, FrameFlags.None, 1, 80));
        Assert.Equal(40, await Difference(_a, 5033, FrameFlags.None, 1, 100));
        Assert.Equal(0, await Difference(_a, 4000, FrameFlags.None, 1, 101));
        Assert.Equal(8, await Difference(_a, 4033, FrameFlags.None, 1, 105));
        // Stream b was untouched by a's resets.
        Assert.Equal(255, await Difference(_b, 66, FrameFlags.None, 0, 50));

        _rows.RequestReset();
        Assert.Equal(0, await Difference(_a, 4066, FrameFlags.None, 1, 90));
        Assert.Equal(0, await Difference(_b, 100, FrameFlags.None, 0, 60));
        Assert.Equal(2, await Difference(_a, 4100, FrameFlags.None, 1, 91));
    }

    [Fact]
    public async Task Frames_of_one_batch_are_differenced_in_their_order()
    {
        var batch = await _pool.RentAsync(CancellationToken.None);
        byte[] values = [10, 30, 35, 100];
        for (var i = 0; i < values.Length; i++)
        {
            batch.Add(new FrameHeader(_a, i, TimeSpan.FromMilliseconds(33 * i), 0, i == 0 ? FrameFlags.StreamStart : FrameFlags.None));
            batch.Row(i, 0).Fill(values[i]);
        }
        _rows.Write(batch);

        Assert.Equal([0, 40, 10, 130], Enumerable.Range(0, 4).Select(i => (int)batch.Row(i, 1)[0]));
        batch.Release();
    }

    /// <summary>Sends one frame of uniform <paramref name="value"/> through the rows; returns its difference row's (uniform) value.</summary>
    private async Task<int> Difference(StreamInfo stream, int milliseconds, FrameFlags flags, int segment, byte value)
    {
        var batch = await _pool.RentAsync(CancellationToken.None);
        try
        {
            var index = batch.Add(new FrameHeader(stream, 0, TimeSpan.FromMilliseconds(milliseconds), 0, flags) { Segment = segment });
            batch.Row(index, 0).Fill(value);
            _rows.Write(batch);
            var difference = batch.Row(index, 1).ToArray();
            Assert.All(difference, v => Assert.Equal(difference[0], v));
            return difference[0];
        }
        finally
        {
            batch.Release();
        }
    }

    public void Dispose()
    {
        _rows.Dispose();
        _pool.Dispose();
    }
}
