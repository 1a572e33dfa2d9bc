using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Models;
using StreamLrcn.Preprocessing;

namespace StreamLrcn.Tests.Preprocessing;

public sealed class DifferenceStageTests : IDisposable
{
    private static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(1);
    private readonly FrameSlotPool _pool = new(16, 4, 4);
    private readonly FrameSlotPool _differences = new(16, 4, 4);
    private readonly Channel<PreprocessedFrame> _input = Channel.CreateBounded<PreprocessedFrame>(4);
    private readonly Channel<PreprocessedFrame> _output = Channel.CreateBounded<PreprocessedFrame>(4);
    private readonly StreamInfo _a = new(0, "a", 30);
    private readonly StreamInfo _b = new(1, "b", 30);

    [Fact]
    public async Task A_stream_start_a_discontinuity_a_new_segment_a_time_jump_and_a_user_reset_each_give_a_zero_difference()
    {
        var stage = new DifferenceStage(_input.Reader, _output.Writer, _differences, new DifferenceSpec(), MaxGap);
        var run = stage.RunAsync(CancellationToken.None);

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

        stage.RequestReset();
        Assert.Equal(0, await Difference(_a, 4066, FrameFlags.None, 1, 90));
        Assert.Equal(0, await Difference(_b, 100, FrameFlags.None, 0, 60));
        Assert.Equal(2, await Difference(_a, 4100, FrameFlags.None, 1, 91));

        _input.Writer.Complete();
        await run;
        Assert.False(await _output.Reader.WaitToReadAsync());
    }

    [Fact]
    public async Task Releasing_a_frame_returns_both_its_slots_to_their_pools()
    {
        var stage = new DifferenceStage(_input.Reader, _output.Writer, _differences, new DifferenceSpec(), MaxGap);
        var run = stage.RunAsync(CancellationToken.None);
        for (var i = 0; i < 40; i++)
            await Difference(_a, i * 33, i == 0 ? FrameFlags.StreamStart : FrameFlags.None, 0, (byte)i);
        _input.Writer.Complete();
        await run;

        // 40 frames through pools of 16: every slot came back, and both pools still hand out all 16.
        var rented = new List<FrameSlot>();
        for (var i = 0; i < 16; i++)
            rented.Add(await _differences.RentAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token));
        Assert.Equal(16, rented.Distinct().Count());
        foreach (var slot in rented)
            _differences.Return(slot);
    }

    /// <summary>Sends one frame of uniform <paramref name="value"/> through the stage; returns its difference image's (uniform) value.</summary>
    private async Task<int> Difference(StreamInfo stream, int milliseconds, FrameFlags flags, int segment, byte value)
    {
        var slot = await _pool.RentAsync(CancellationToken.None);
        slot.WritableSpan.Fill(value);
        var header = new FrameHeader(stream, 0, TimeSpan.FromMilliseconds(milliseconds), 0, flags) { Segment = segment };
        await _input.Writer.WriteAsync(new PreprocessedFrame(header, slot, _pool));
        var frame = await _output.Reader.ReadAsync();
        try
        {
            Assert.Equal(header, frame.Header);
            var difference = frame.Difference!.Span.ToArray();
            Assert.All(difference, v => Assert.Equal(difference[0], v));
            return difference[0];
        }
        finally
        {
            frame.Release();
        }
    }

    public void Dispose()
    {
        _pool.Dispose();
        _differences.Dispose();
    }
}
