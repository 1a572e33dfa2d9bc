using System.Diagnostics;
using System.Threading.Channels;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Inference;

/// <summary>
/// Runs the CNN over each batch, in place: the rows preprocessing filled go in, the features come
/// back into the same batch, which then goes on to the temporal stage. Each of the extractor's
/// in-flight lanes has its own long-running thread (a session run blocks for milliseconds to tens
/// of milliseconds); with two lanes on a GPU the upload of one batch overlaps the compute of the
/// other. Batches leave in the order they arrived, whatever lane finishes first, so each stream's
/// frames stay in order. The extractor is lent by the pipeline, which disposes it.
/// </summary>
public sealed class FeatureExtractionStage(ChannelReader<CnnBatch> input, ChannelWriter<CnnBatch> output, FeatureExtractor extractor, PipelineStatistics statistics)
{
    private readonly OrderedEmitter<CnnBatch, CnnBatch> _emitter = new(input, output, batch => batch.Release());

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
            StageOutput.End(output, failure, input, static batch => batch.Release());
            _emitter.DiscardUnsent();
        }
    }

    private void RunLane(ExtractionLane lane, CancellationToken cancellation)
    {
        // This thread exists only to run the CNN: blocking it while channels fill or drain is intended.
        while (BlockingWait.UntilReadable(input, cancellation))
        {
            if (!_emitter.TryTake(out var batch, out var ticket))
                continue;
            var started = Stopwatch.GetTimestamp();
            try
            {
                lane.Run(batch);
            }
            catch
            {
                batch.Release();
                throw;
            }
            statistics.RecordBatch(batch.Headers, Stopwatch.GetElapsedTime(started));
            if (!_emitter.Emit(ticket, batch, cancellation))
                return;
        }
    }
}
