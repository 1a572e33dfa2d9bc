using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Inference;

/// <summary>
/// Runs the CNN over each batch. Each of the extractor's in-flight lanes has its own long-running
/// thread (a session run blocks for milliseconds to tens of milliseconds): it copies the pooled
/// slots into its lane's input buffer, returns the slots, runs the session and hands the features
/// on. With two lanes on a GPU the upload of one batch overlaps the compute of the other. Batches
/// leave in the order they arrived, whatever lane finishes first, so each stream's frames stay in
/// order. The extractor is lent by the pipeline, which disposes it.
/// </summary>
public sealed class FeatureExtractionStage(ChannelReader<FrameBatch> input, ChannelWriter<FeatureBatch> output, FeatureExtractor extractor, PipelineStatistics statistics)
{
    private readonly OrderedEmitter<FrameBatch, FeatureBatch> _emitter = new(input, output, batch => batch.Release());
    public async Task RunAsync(CancellationToken cancellation)
    {
        Exception? failure = null;
        var lanes = Enumerable.Range(0, extractor.InFlightBatches).Select(extractor.Lane).ToArray();
        try
        {
            await Task.WhenAll(lanes.Select(lane =>
                Task.Factory.StartNew(() => RunLane(lane, cancellation), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
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
            _emitter.DiscardUnsent();
        }
    }

    private void RunLane(ExtractionLane lane, CancellationToken cancellation)
    {
        // This thread exists only to run the CNN: blocking it while channels fill or drain is intended.
        while (input.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult())
        {
            if (!_emitter.TryTake(out var batch, out var ticket))
                continue;
            var started = Stopwatch.GetTimestamp();
            var result = Extract(lane, batch);
            statistics.RecordBatch(result.Headers, Stopwatch.GetElapsedTime(started));
            if (!_emitter.Emit(ticket, result, cancellation))
                return;
        }
    }

    private static FeatureBatch Extract(ExtractionLane lane, FrameBatch batch)
    {
        var headers = new FrameHeader[batch.Count];
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                headers[i] = batch.Frames[i].Header;
                batch.Frames[i].Slot.Span.CopyTo(lane.InputRow(i));
            }
        }
        finally
        {
            batch.Release();
        }
        var features = ArrayPool<float>.Shared.Rent(batch.Count * lane.FeatureSize);
        try
        {
            lane.Run(batch.Count, features);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(features);
            throw;
        }
        return new FeatureBatch(headers, features, lane.FeatureSize);
    }
}
