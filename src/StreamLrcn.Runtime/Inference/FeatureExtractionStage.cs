using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Dataflow;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// Runs the CNN over each batch. Each of the extractor's in-flight lanes has its own long-running
/// thread (a session run blocks for milliseconds to tens of milliseconds): it copies the pooled
/// slots into its lane's input buffer, returns the slots, runs the session and hands the features
/// on. With two lanes on a GPU the upload of one batch overlaps the compute of the other. Batches
/// leave in the order they arrived, whatever lane finishes first, so each stream's frames stay in
/// order. The extractor is lent by the pipeline, which disposes it.
/// <para>
/// With <paramref name="streams"/> of more than one input, each frame fills that many consecutive
/// rows of the same CNN batch (its resized frame, its difference image) and its features are the
/// rows' features side by side, [Count, Rows · 512], as the head takes them.
/// </para>
/// </summary>
public sealed class FeatureExtractionStage(ChannelReader<FrameBatch> input, ChannelWriter<FeatureBatch> output, FeatureExtractor extractor, PipelineStatistics statistics,
    CnnStreams? streams = null)
{
    private readonly CnnStreams _streams = streams ?? CnnStreams.RgbOnly;

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
            var result = Extract(lane, batch, _streams);
            statistics.RecordBatch(result.Headers, Stopwatch.GetElapsedTime(started));
            if (!_emitter.Emit(ticket, result, cancellation))
                return;
        }
    }

    private static FeatureBatch Extract(ExtractionLane lane, FrameBatch batch, CnnStreams streams)
    {
        var headers = new FrameHeader[batch.Count];
        var rows = streams.Rows;
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                headers[i] = batch.Frames[i].Header;
                if (rows == 1 && streams.HasRgb)
                    batch.Frames[i].Slot.Span.CopyTo(lane.InputRow(i));
                else
                    StreamRows.Copy(batch.Frames[i], streams, lane, i * rows);
            }
        }
        finally
        {
            batch.Release();
        }
        var features = ArrayPool<float>.Shared.Rent(batch.Count * rows * lane.FeatureSize);
        try
        {
            lane.Run(batch.Count * rows, features);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(features);
            throw;
        }
        return new FeatureBatch(headers, features, lane.FeatureSize * rows);
    }
}
