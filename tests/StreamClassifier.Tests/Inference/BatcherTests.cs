using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Preprocessing;

namespace StreamLrcn.Tests.Inference;

public sealed class BatcherTests : IDisposable
{
    private readonly FrameSlotPool _pool = new(16, 8, 8);
    private readonly Channel<PreprocessedFrame> _input = Channel.CreateBounded<PreprocessedFrame>(16);
    private readonly Channel<FrameBatch> _output = Channel.CreateBounded<FrameBatch>(16);
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task A_batch_closes_when_it_is_full()
    {
        var batcher = new Batcher(_input.Reader, _output.Writer, new BatchingOptions(4, TimeSpan.FromSeconds(10)), _clock);
        var run = batcher.RunAsync(CancellationToken.None);
        for (var i = 0; i < 4; i++)
            await _input.Writer.WriteAsync(await Frame(0, i));

        var batch = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(BatchCloseReason.Full, batch.ClosedBy);
        Assert.Equal([0L, 1, 2, 3], batch.Frames.Select(f => f.Header.Sequence));
        batch.Release();
        _input.Writer.Complete();
        await run;
    }

    [Fact]
    public async Task A_batch_closes_at_its_deadline_with_the_frames_it_has()
    {
        var batcher = new Batcher(_input.Reader, _output.Writer, new BatchingOptions(8, TimeSpan.FromMilliseconds(20)), _clock);
        var run = batcher.RunAsync(CancellationToken.None);
        await _input.Writer.WriteAsync(await Frame(0, 0));
        await _input.Writer.WriteAsync(await Frame(1, 0));

        // Until the fake clock passes the deadline, no batch may appear.
        await Task.Delay(50);
        Assert.False(_output.Reader.TryRead(out _));
        _clock.Advance(TimeSpan.FromMilliseconds(25));
        var batch = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(BatchCloseReason.Deadline, batch.ClosedBy);
        Assert.Equal([0, 1], batch.Frames.Select(f => f.Header.Stream.Id));
        batch.Release();
        _input.Writer.Complete();
        await run;
    }

    [Fact]
    public async Task The_last_partial_batch_is_delivered_when_the_input_ends()
    {
        var batcher = new Batcher(_input.Reader, _output.Writer, new BatchingOptions(8, TimeSpan.FromSeconds(10)), _clock);
        var run = batcher.RunAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
            await _input.Writer.WriteAsync(await Frame(0, i));
        _input.Writer.Complete();
        await run;

        Assert.True(_output.Reader.TryRead(out var batch));
        Assert.Equal(3, batch!.Count);
        Assert.True(_output.Reader.Completion.IsCompleted || !_output.Reader.TryRead(out _));
        batch.Release();
    }

    private async Task<PreprocessedFrame> Frame(int stream, long sequence)
    {
        var slot = await _pool.RentAsync(CancellationToken.None);
        var header = new FrameHeader(new StreamInfo(stream, $"s{stream}", 30), sequence, TimeSpan.Zero, 0, FrameFlags.None);
        return new PreprocessedFrame(header, slot, _pool);
    }

    public void Dispose() => _pool.Dispose();
}
