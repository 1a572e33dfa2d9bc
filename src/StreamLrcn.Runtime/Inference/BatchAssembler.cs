using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;
using StreamLrcn.Capture;
using StreamLrcn.Preprocessing;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Inference;

/// <summary>
/// Builds the CNN's batches from decoded frames of all streams: each frame is resized (bilinear,
/// as training does) straight into its row of a pooled <see cref="CnnBatch"/>, its difference
/// image (for packages with a difference stream, <see cref="DifferenceRows"/>) into the row beside
/// it, and the batch goes on when it is full, when <see cref="BatchingOptions.MaxDelay"/> has passed
/// since its first frame, or when the input ends. The clock is a <see cref="TimeProvider"/> so
/// tests control the deadline. A batch is started only once the CNN stage can take it and the pool
/// has one free, which keeps live latency to about two batches and bounds the frames in flight.
/// <para>
/// With <paramref name="keepFrames"/> each decoded frame rides in the batch beside its row (for the
/// sinks that draw on it); otherwise it is disposed once resized. With more than one of
/// <paramref name="workers"/> (a GPU takes frames faster than one core resizes them) the frames of
/// a batch are resized in parallel on dedicated threads; the batch leaves once all are done.
/// </para>
/// </summary>
public sealed class BatchAssembler(ChannelReader<Frame> input, ChannelWriter<CnnBatch> output, CnnBatchPool pool, BatchingOptions options, TimeProvider clock,
    DifferenceRows? difference = null, int workers = 1, bool keepFrames = false)
{
    private readonly Countdown _resizing = new();
    private Channel<(CnnBatch Batch, int Index, Frame Frame)>? _jobs;
    private Exception? _workerFailure;

    public async Task RunAsync(CancellationToken cancellation)
    {
        options.Validate();
        CnnBatch? open = null;
        Exception? failure = null;
        var resizers = StartWorkers();
        using var stop = StageOutput.CompleteOnCancel(output, cancellation);
        using var next = new ReadWait<Frame>(input, clock, cancellation);
        try
        {
            // A batch starts only when the CNN stage has room for it: frames that would wait behind
            // a full batch stay upstream, where a live stream replaces them with newer ones.
            while (await output.WaitToWriteAsync() && await next.WaitAsync(Timeout.InfiniteTimeSpan) == ReadWaitResult.Readable)
            {
                open = await pool.RentAsync(cancellation);
                open.ClosedBy = await FillAsync(open, next);
                await _resizing.WaitAsync();
                if (_workerFailure is { } workerFailure)
                    throw new InvalidOperationException($"preprocessing failed: {workerFailure.Message}", workerFailure);
                difference?.Write(open);
                if (!output.TryWrite(open))
                    await StageOutput.WriteAsync(output, open, cancellation);
                open = null;
            }
            // A cancelled run completed the output (see StageOutput), which ended the loop.
            cancellation.ThrowIfCancellationRequested();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            _jobs?.Writer.TryComplete();
            await Task.WhenAll(resizers);
            open?.Release();
            StageOutput.End(output, failure, input, static frame => frame.Dispose());
            difference?.Dispose();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BatchCloseReason> FillAsync(CnnBatch batch, ReadWait<Frame> next)
    {
        var opened = clock.GetTimestamp();
        var size = Math.Min(options.MaxBatchSize, batch.MaxFrames);
        var dispatched = 0;
        try
        {
            while (true)
            {
                while (batch.Count < size && input.TryRead(out var frame))
                {
                    Add(batch, frame);
                    dispatched++;
                }
                if (batch.Count == size)
                    return BatchCloseReason.Full;

                switch (await next.WaitAsync(options.MaxDelay - clock.GetElapsedTime(opened)))
                {
                    case ReadWaitResult.Deadline:
                        return BatchCloseReason.Deadline;
                    case ReadWaitResult.Completed:
                        return BatchCloseReason.EndOfInput;
                }
            }
        }
        finally
        {
            _resizing.Expect(_jobs is null ? 0 : dispatched);
        }
    }

    private void Add(CnnBatch batch, Frame frame)
    {
        int index;
        try
        {
            index = batch.Add(frame.Header, keepFrames ? frame : null);
        }
        catch
        {
            frame.Dispose();
            throw;
        }
        if (_jobs is not null)
        {
            _jobs.Writer.TryWrite((batch, index, frame));
            return;
        }
        ResizeInto(batch, index, frame);
    }

    private void ResizeInto(CnnBatch batch, int index, Frame frame)
    {
        try
        {
            FrameResizer.Resize(frame.Image, batch.ResizedMat(index));
        }
        finally
        {
            // A kept frame belongs to the batch now; it is disposed with it if the run fails.
            if (!keepFrames)
                frame.Dispose();
        }
    }

    private Task[] StartWorkers()
    {
        if (workers <= 1)
            return [];
        _jobs = Channel.CreateUnbounded<(CnnBatch, int, Frame)>(new UnboundedChannelOptions { SingleWriter = true });
        return Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(RunWorker, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
    }

    private void RunWorker()
    {
        // A dedicated thread: waiting here for work blocks nobody else.
        var jobs = _jobs!.Reader;
        while (BlockingWait.UntilReadable(jobs, CancellationToken.None))
        {
            while (jobs.TryRead(out var job))
            {
                try
                {
                    ResizeInto(job.Batch, job.Index, job.Frame);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref _workerFailure, ex, null);
                }
                finally
                {
                    _resizing.Signal();
                }
            }
        }
    }

    /// <summary>
    /// Counts the resize jobs of the batch being closed: <see cref="Expect"/> adds the jobs handed
    /// out, each worker's <see cref="Signal"/> takes one off (possibly before they were added), and
    /// <see cref="WaitAsync"/> completes when none is left. One batch at a time; reused, so waiting
    /// allocates nothing.
    /// </summary>
    private sealed class Countdown : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
        private int _remaining;
        private int _expected;

        public void Expect(int jobs) => _expected = jobs;

        public ValueTask WaitAsync()
        {
            var jobs = _expected;
            _expected = 0;
            if (jobs == 0)
                return default;
            _core.Reset();
            return Interlocked.Add(ref _remaining, jobs) == 0 ? default : new ValueTask(this, _core.Version);
        }

        public void Signal()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
                _core.SetResult(true);
        }

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
