using System.Threading.Channels;
using StreamLrcn.Preprocessing;

namespace StreamLrcn.Inference;

/// <summary>
/// Groups preprocessed frames from all streams into batches, closing a batch when it is full or
/// when <see cref="BatchingOptions.MaxDelay"/> has passed since its first frame. The clock is a
/// <see cref="TimeProvider"/> so tests control the deadline. A new batch is started only once the
/// next stage can take it, which keeps live latency to about two batches.
/// </summary>
public sealed class Batcher(ChannelReader<PreprocessedFrame> input, ChannelWriter<FrameBatch> output, BatchingOptions options, TimeProvider clock)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        options.Validate();
        var pending = new List<PreprocessedFrame>(options.MaxBatchSize);
        Exception? failure = null;
        try
        {
            // A batch starts only when the CNN stage has room for it: frames that would wait behind
            // a full batch stay upstream, where a live stream replaces them with newer ones.
            while (await output.WaitToWriteAsync(cancellation) && await input.WaitToReadAsync(cancellation))
            {
                var reason = await FillAsync(pending, cancellation);
                var batch = new FrameBatch(pending.ToArray(), reason);
                pending.Clear();
                try
                {
                    await output.WriteAsync(batch, cancellation);
                }
                catch
                {
                    batch.Release();
                    throw;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            foreach (var frame in pending)
                frame.Release();
            output.TryComplete(failure);
        }
    }

    private async Task<BatchCloseReason> FillAsync(List<PreprocessedFrame> batch, CancellationToken cancellation)
    {
        var opened = clock.GetTimestamp();
        while (true)
        {
            while (batch.Count < options.MaxBatchSize && input.TryRead(out var frame))
                batch.Add(frame);
            if (batch.Count >= options.MaxBatchSize)
                return BatchCloseReason.Full;

            var remaining = options.MaxDelay - clock.GetElapsedTime(opened);
            if (remaining <= TimeSpan.Zero)
                return BatchCloseReason.Deadline;

            using var deadline = new CancellationTokenSource(remaining, clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellation);
            try
            {
                if (!await input.WaitToReadAsync(linked.Token))
                    return BatchCloseReason.EndOfInput;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
            {
                return BatchCloseReason.Deadline;
            }
        }
    }
}
