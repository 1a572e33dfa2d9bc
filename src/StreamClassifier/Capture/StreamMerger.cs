using System.Threading.Channels;

namespace StreamLrcn.Capture;

/// <summary>
/// Merges the per-stream capture channels into the one channel the pipeline reads. In replay it
/// takes one frame from each stream in turn, waiting for a slow stream rather than skipping it:
/// batches and the order of the output then do not depend on thread timing, so every run of the
/// same inputs writes the same file. A stream that ends leaves the rotation.
/// </summary>
public sealed class StreamMerger(IReadOnlyList<ChannelReader<Frame>> inputs, ChannelWriter<Frame> output)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        var active = inputs.ToList();
        Exception? failure = null;
        try
        {
            while (active.Count > 0)
            {
                for (var i = 0; i < active.Count;)
                {
                    if (!await active[i].WaitToReadAsync(cancellation))
                    {
                        active.RemoveAt(i);
                        continue;
                    }
                    if (active[i].TryRead(out var frame))
                    {
                        try
                        {
                            await output.WriteAsync(frame, cancellation);
                        }
                        catch
                        {
                            frame.Dispose();
                            throw;
                        }
                    }
                    i++;
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
            output.TryComplete(failure);
        }
    }
}
