using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Inference;

/// <summary>The batch assembler: frames resized straight into the rows of pooled batches, closed when full, at the deadline or at the end.</summary>
public sealed class BatchAssemblerTests : IDisposable
{
    private const int Side = ResNet18FeatureModel.InputSize;
    private readonly CnnBatchPool _pool = CnnBatchPool.HostOnly(4, 4, CnnStreams.RgbOnly);
    private readonly Channel<Frame> _input = Channel.CreateBounded<Frame>(16);
    private readonly Channel<CnnBatch> _output = Channel.CreateBounded<CnnBatch>(16);
    private readonly FakeTimeProvider _clock = new();
    private readonly StreamInfo _stream = new(0, "s", 30);

    [Fact]
    public async Task A_batch_closes_when_it_is_full()
    {
        var run = Assembler(new BatchingOptions(4, TimeSpan.FromSeconds(10))).RunAsync(CancellationToken.None);
        for (var i = 0; i < 4; i++)
            await _input.Writer.WriteAsync(Frame(_stream, i));

        var batch = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(BatchCloseReason.Full, batch.ClosedBy);
        Assert.Equal([0L, 1, 2, 3], batch.Headers.ToArray().Select(h => h.Sequence));
        batch.Release();
        _input.Writer.Complete();
        await run;
    }

    [Fact]
    public async Task A_batch_closes_at_its_deadline_with_the_frames_it_has()
    {
        var run = Assembler(new BatchingOptions(4, TimeSpan.FromMilliseconds(20))).RunAsync(CancellationToken.None);
        await _input.Writer.WriteAsync(Frame(new StreamInfo(0, "a", 30), 0));
        await _input.Writer.WriteAsync(Frame(new StreamInfo(1, "b", 30), 0));

        // Until the fake clock passes the deadline, no batch may appear.
        await Task.Delay(50);
        Assert.False(_output.Reader.TryRead(out _));
        _clock.Advance(TimeSpan.FromMilliseconds(25));
        var batch = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(BatchCloseReason.Deadline, batch.ClosedBy);
        Assert.Equal([0, 1], batch.Headers.ToArray().Select(h => h.Stream.Id));
        batch.Release();

        // The next batch gets a deadline of its own.
        await _input.Writer.WriteAsync(Frame(_stream, 1));
        await Task.Delay(50);
        Assert.False(_output.Reader.TryRead(out _));
        _clock.Advance(TimeSpan.FromMilliseconds(25));
        batch = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(BatchCloseReason.Deadline, batch.ClosedBy);
        Assert.Equal(1, batch.Count);
        batch.Release();
        _input.Writer.Complete();
        await run;
    }

    [Fact]
    public async Task The_last_partial_batch_is_delivered_when_the_input_ends()
    {
        var run = Assembler(new BatchingOptions(4, TimeSpan.FromSeconds(10))).RunAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
            await _input.Writer.WriteAsync(Frame(_stream, i));
        _input.Writer.Complete();
        await run;

        Assert.True(_output.Reader.TryRead(out var batch));
        Assert.Equal(3, batch!.Count);
        Assert.Equal(BatchCloseReason.EndOfInput, batch.ClosedBy);
        Assert.False(_output.Reader.TryRead(out _));
        batch.Release();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Each_row_holds_its_own_frame_resized_like_OpenCV_in_order(int workers)
    {
        var run = Assembler(new BatchingOptions(4, TimeSpan.FromSeconds(10)), workers: workers, keepFrames: true).RunAsync(CancellationToken.None);
        var feed = Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                // Frames of different sizes take different times to resize, so parallel workers finish out of order.
                var image = i % 3 == 0 ? new Mat(480, 640, MatType.CV_8UC3) : new Mat(96, 128, MatType.CV_8UC3);
                TestMedia.DrawFrame(image, i);
                await _input.Writer.WriteAsync(new Frame(Header(_stream, i), image));
            }
            _input.Writer.Complete();
        });

        var sequences = new List<long>();
        using var expected = new Mat();
        await foreach (var batch in _output.Reader.ReadAllAsync())
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var sequence = batch.HeaderOf(i).Sequence;
                sequences.Add(sequence);
                using var frame = batch.TakeFrame(i);
                Assert.NotNull(frame);
                Assert.Equal(sequence, frame.Header.Sequence);
                // Computed here from a frame drawn again, not from the one the assembler saw.
                using var reference = new Mat(frame.Image.Size(), MatType.CV_8UC3);
                TestMedia.DrawFrame(reference, (int)sequence);
                Cv2.Resize(reference, expected, new Size(Side, Side), 0, 0, InterpolationFlags.Linear);
                Assert.True(batch.Row(i, 0).SequenceEqual(expected.AsSpan<byte>()), $"row {i} does not hold frame {sequence} resized");
            }
            batch.Release();
        }
        await feed;
        await run;

        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task Frames_are_disposed_once_resized_unless_they_ride_with_their_rows()
    {
        var run = Assembler(new BatchingOptions(2, TimeSpan.FromSeconds(10))).RunAsync(CancellationToken.None);
        var frames = new[] { Frame(_stream, 0), Frame(_stream, 1) };
        foreach (var frame in frames)
            await _input.Writer.WriteAsync(frame);
        var batch = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(frames, f => Assert.True(f.Image.IsDisposed));
        Assert.Null(batch.TakeFrame(0));
        batch.Release();
        _input.Writer.Complete();
        await run;
    }

    [Fact]
    public async Task The_pool_bounds_the_batches_in_flight()
    {
        using var pool = CnnBatchPool.HostOnly(1, 2, CnnStreams.RgbOnly);
        var run = new BatchAssembler(_input.Reader, _output.Writer, pool, new BatchingOptions(2, TimeSpan.FromSeconds(10)), _clock).RunAsync(CancellationToken.None);
        for (var i = 0; i < 4; i++)
            await _input.Writer.WriteAsync(Frame(_stream, i));
        var first = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        // The pool's only batch is out: the next two frames wait upstream.
        await Task.Delay(100);
        Assert.False(_output.Reader.TryRead(out _));
        Assert.Equal(2, _input.Reader.Count);
        first.Release();
        var second = await _output.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([2L, 3], second.Headers.ToArray().Select(h => h.Sequence));
        second.Release();
        _input.Writer.Complete();
        await run;
    }

    [Fact]
    public async Task A_stopped_run_disposes_the_frames_of_its_open_batch_and_returns_the_batch()
    {
        using var stop = new CancellationTokenSource();
        var run = Assembler(new BatchingOptions(4, TimeSpan.FromSeconds(10)), keepFrames: true).RunAsync(stop.Token);
        var kept = Frame(_stream, 0);
        await _input.Writer.WriteAsync(kept);
        await Task.Delay(100);
        Assert.False(kept.Image.IsDisposed);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.True(kept.Image.IsDisposed);
        Assert.Equal(4, _pool.Available);
    }

    private BatchAssembler Assembler(BatchingOptions options, int workers = 1, bool keepFrames = false) =>
        new(_input.Reader, _output.Writer, _pool, options, _clock, workers: workers, keepFrames: keepFrames);

    private static FrameHeader Header(StreamInfo stream, long sequence) => new(stream, sequence, TimeSpan.FromSeconds(sequence / 30.0), 0, FrameFlags.None);

    private static Frame Frame(StreamInfo stream, long sequence)
    {
        var image = new Mat(24, 32, MatType.CV_8UC3);
        TestMedia.DrawFrame(image, (int)sequence);
        return new Frame(Header(stream, sequence), image);
    }

    public void Dispose() => _pool.Dispose();
}
