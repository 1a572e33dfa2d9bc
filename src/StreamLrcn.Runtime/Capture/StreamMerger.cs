using System.Runtime.CompilerServices;
using System.Threading.Channels;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Capture;

/// <summary>
/// Merges the per-stream capture channels into the one channel the pipeline reads.
/// <para>
/// <see cref="MergeOrder.RoundRobin"/> (replay) takes one frame from each stream in turn, waiting
/// for a slow stream rather than skipping it: batches and the order of the output then do not
/// depend on thread timing, so every run of the same inputs writes the same file.
/// </para>
/// <para>
/// <see cref="MergeOrder.FirstAvailable"/> (live) takes whatever stream has a frame, rotating the
/// starting stream so that no camera starves the others.
/// </para>
/// A stream that ends leaves the rotation; the output completes when all have ended.
/// </summary>
public sealed class StreamMerger(IReadOnlyList<ChannelReader<Frame>> inputs, ChannelWriter<Frame> output, MergeOrder order)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        var active = inputs.ToList();
        Exception? failure = null;
        using var stop = StageOutput.CompleteOnCancel(output, cancellation);
        try
        {
            if (order == MergeOrder.RoundRobin)
                await RoundRobinAsync(active, cancellation);
            else
                await FirstAvailableAsync(active, cancellation);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            output.TryComplete(failure);
        }
    }

    private async Task RoundRobinAsync(List<ChannelReader<Frame>> active, CancellationToken cancellation)
    {
        while (active.Count > 0)
        {
            for (var i = 0; i < active.Count;)
            {
                // No token: a cancellable wait allocates each time the merger waits for a decoder.
                // A capture stops when cancelled and its channel then completes, ending the wait.
                cancellation.ThrowIfCancellationRequested();
                if (!await active[i].WaitToReadAsync(CancellationToken.None))
                {
                    active.RemoveAt(i);
                    continue;
                }
                if (active[i].TryRead(out var frame))
                    await ForwardAsync(frame, cancellation);
                i++;
            }
        }
    }

    private async Task FirstAvailableAsync(List<ChannelReader<Frame>> active, CancellationToken cancellation)
    {
        // One wait per reader, kept across passes until it completes. A dead camera's channel never
        // completes a wait, and each new WaitToReadAsync on it stays queued in the channel: asking
        // again on every pass grew the heap by ~300 bytes a pass for as long as the camera was down.
        var waits = new Dictionary<ChannelReader<Frame>, Task<bool>>(active.Count);
        var start = 0;
        while (active.Count > 0)
        {
            var forwarded = false;
            for (var k = 0; k < active.Count; k++)
            {
                var reader = active[(start + k) % active.Count];
                if (reader.TryRead(out var frame))
                {
                    await ForwardAsync(frame, cancellation);
                    forwarded = true;
                }
            }
            start++;
            active.RemoveAll(r => r.Completion.IsCompleted);
            if (!forwarded && active.Count > 0)
            {
                foreach (var reader in active)
                {
                    if (!waits.TryGetValue(reader, out var wait) || wait.IsCompleted)
                        waits[reader] = reader.WaitToReadAsync(cancellation).AsTask();
                }
                await Task.WhenAny(active.Select(r => waits[r]));
                // A cancelled wait completes at once and so would every new one: end here instead of spinning.
                cancellation.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>Writes the frame, waiting for room; cancellation wakes the wait by completing the output (see <see cref="StageOutput"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ForwardAsync(Frame frame, CancellationToken cancellation)
    {
        try
        {
            await StageOutput.WriteAsync(output, frame, cancellation);
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }
}
