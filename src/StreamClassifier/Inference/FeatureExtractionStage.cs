using System.Buffers;
using System.Threading.Channels;
using StreamLrcn.Capture;

namespace StreamLrcn.Inference;

/// <summary>
/// Runs the CNN over each batch on its own long-running thread (a session run blocks for tens of
/// milliseconds): copies the pooled slots into the extractor's input buffer, returns the slots,
/// runs the session and hands the features on. The extractor is lent by the pipeline, which disposes it.
/// </summary>
public sealed class FeatureExtractionStage(ChannelReader<FrameBatch> input, ChannelWriter<FeatureBatch> output, FeatureExtractor extractor)
{
    /// <summary>Frames classified so far, for progress and metrics.</summary>
    public long FramesProcessed => Interlocked.Read(ref _framesProcessed);

    private long _framesProcessed;

    /// <summary>Raised on the stage's thread with the size of each batch the CNN ran (metrics).</summary>
    public event Action<int>? BatchExtracted;

    public Task RunAsync(CancellationToken cancellation) =>
        Task.Factory.StartNew(() => Run(cancellation), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellation)
    {
        Exception? failure = null;
        try
        {
            while (WaitForBatch(cancellation))
            {
                while (input.TryRead(out var batch))
                {
                    var result = Extract(batch);
                    if (!TryWrite(result, cancellation))
                    {
                        result.Release();
                        return;
                    }
                    Interlocked.Add(ref _framesProcessed, result.Count);
                    BatchExtracted?.Invoke(result.Count);
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
            while (input.TryRead(out var left))
                left.Release();
        }
    }

    private FeatureBatch Extract(FrameBatch batch)
    {
        var headers = new FrameHeader[batch.Count];
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                headers[i] = batch.Frames[i].Header;
                batch.Frames[i].Slot.Span.CopyTo(extractor.InputRow(i));
            }
        }
        finally
        {
            batch.Release();
        }
        var features = ArrayPool<float>.Shared.Rent(batch.Count * extractor.FeatureSize);
        try
        {
            extractor.Run(batch.Count, features);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(features);
            throw;
        }
        return new FeatureBatch(headers, features, extractor.FeatureSize);
    }

    // This thread exists only to run the CNN: blocking it while channels drain or fill is intended.
    private bool WaitForBatch(CancellationToken cancellation) =>
        input.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult();

    private bool TryWrite(FeatureBatch batch, CancellationToken cancellation)
    {
        while (!output.TryWrite(batch))
        {
            if (!output.WaitToWriteAsync(cancellation).AsTask().GetAwaiter().GetResult())
                return false;
        }
        return true;
    }
}
