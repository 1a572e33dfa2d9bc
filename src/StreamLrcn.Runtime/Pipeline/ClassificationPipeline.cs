using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Preprocessing;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;
using StreamLrcn.Dataflow;
using StreamLrcn.Diagnostics;

namespace StreamLrcn.Pipeline;

/// <summary>
/// Wires the stages for a set of sources:
/// <code>
/// capture threads ─▶ merger ─▶ batch assembler (resize into rows) ─▶ CNN ─▶ temporal ─▶ sinks
/// </code>
/// Every channel is bounded and waits when full, so replay never drops a frame. A pooled
/// <see cref="CnnBatch"/> carries each frame from its resize to its label: the rows, the features,
/// and, when a sink draws on frames (<see cref="IFrameSink"/>), the decoded frame itself, which
/// reaches the sinks with its own label. The pool bounds the frames in flight. The pipeline owns
/// the CNN session, the head, the batch pool and the sinks it is given.
/// </summary>
public sealed class ClassificationPipeline : IDisposable
{
    private readonly ModelPackage _package;
    private readonly PipelineOptions _options;
    private readonly FeatureExtractor _extractor;
    private readonly bool _ownsExtractor;
    private readonly BatchingOptions _batching;
    private readonly GruHead[] _heads;
    private readonly CnnBatchPool _batches;
    private readonly CnnStreams _streams;
    private volatile DifferenceRows? _difference;
    private readonly IReadOnlyList<ILabelSink> _sinks;
    private readonly ILoggerFactory? _loggerFactory;
    private SinkStage? _sinkStage;
    private volatile TemporalStage? _temporal;

    /// <param name="extractor">A CNN to borrow (the caller keeps and disposes it); by default the pipeline creates and owns one.</param>
    /// <param name="loggerFactory">For the stages' messages (capture, CNN); <see cref="RuntimeLog.Factory"/> when null.</param>
    public ClassificationPipeline(ModelPackage package, PipelineOptions options, IReadOnlyList<ILabelSink> sinks, FeatureExtractor? extractor = null,
        ILoggerFactory? loggerFactory = null)
    {
        options.Validate();
        _loggerFactory = loggerFactory;
        _package = package;
        _options = options;
        _sinks = sinks;
        _ownsExtractor = extractor is null;
        // Each frame takes one CNN row per stream of the package (its frame, its difference image).
        _streams = CnnStreams.From(package.Manifest.Cnn);
        var rows = _streams.Rows;
        // The CNN gives what the head was trained on (pooled, grid2 or flatten features).
        var features = CnnFeatureNames.From(package.Manifest.Cnn);
        if (extractor is not null && extractor.FeatureSize != package.Manifest.Cnn.FeatureSize)
            throw new ArgumentException($"the CNN given emits {extractor.FeatureSize} features a row ({CnnFeatureNames.Name(extractor.Features)}), " +
                $"the package's head expects {package.Manifest.Cnn.FeatureSize} ({CnnFeatureNames.Name(features)})", nameof(extractor));
        _extractor = extractor ?? new FeatureExtractor(options.Cnn with { Features = features }, options.Batching?.MaxBatchSize * rows, loggerFactory: loggerFactory);
        _batching = options.Batching ?? BatchingOptions.For(_extractor.Target) with { MaxBatchSize = Math.Max(1, _extractor.MaxBatchSize / rows) };
        if (_extractor.MaxBatchSize < _batching.MaxBatchSize * rows)
            throw new ArgumentException($"the CNN's input buffer holds {_extractor.MaxBatchSize} rows, the batcher makes batches of up to {_batching.MaxBatchSize} frames of {rows} row(s)");
        Statistics = new PipelineStatistics(_batching.MaxBatchSize);
        // The GRU steps through every frame on the CPU; with a GPU CNN that needs several cores.
        var partitions = _extractor.Target.IsGpu ? Math.Max(2, Environment.ProcessorCount / 4) : 1;
        _heads = Enumerable.Range(0, partitions).Select(_ => new GruHead(package, options.Temporal.Window)).ToArray();
        // A batch being filled, one queued and one running per lane, two waiting for the GRU and
        // one in it: the assembler waits for a free batch beyond that.
        _batches = _extractor.CreateBatchPool(2 * _extractor.InFlightBatches + 4, _batching.MaxBatchSize, _streams);
    }

    public string Provider => _extractor.Provider;

    /// <summary>Batch sizes and capture→feature latencies of the runs so far.</summary>
    public PipelineStatistics Statistics { get; }

    /// <summary>The batching in force (the device's defaults unless the options named one).</summary>
    public BatchingOptions Batching => _batching;

    /// <summary>
    /// One resizing thread keeps up with a CPU CNN (~0.3 ms a frame against ~15 ms); a GPU takes
    /// tens of thousands of frames a second, so there a quarter of the cores resize.
    /// </summary>
    private int PreprocessWorkers => _extractor.Target.IsGpu ? Math.Max(2, Environment.ProcessorCount / 4) : 1;

    /// <summary>Frames labelled so far in the current run.</summary>
    public long FramesLabelled => _sinkStage?.Frames ?? 0;

    /// <summary>
    /// Asks the temporal stage to clear the recurrent state of every stream at its next frame
    /// (outputs say <see cref="ResetReason.UserReset"/>). Safe from any thread; ignored when no run is active.
    /// </summary>
    public void RequestReset()
    {
        _difference?.RequestReset();
        _temporal?.RequestReset();
    }

    /// <summary>Raised on the sink thread for every label, after the sinks wrote it.</summary>
    public event Action<FrameLabel>? LabelWritten;

    /// <summary>Raised on a capture thread for every frame a live stream's channel evicted (after it was disposed and counted).</summary>
    public event Action<StreamInfo>? FrameDropped;

    private Func<IReadOnlyList<KeyValuePair<string, int>>>? _queueDepths;

    /// <summary>Frames waiting in each channel of the current run (per-stream capture queues by stream name, then the shared stages); empty when not running.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> QueueDepths() => _queueDepths?.Invoke() ?? [];

    /// <summary>
    /// Runs the sources to their end (or until cancelled). The pipeline takes ownership of the
    /// sources and disposes them. A failing source ends only its own stream; its outcome says why.
    /// </summary>
    public async Task<PipelineResult> RunAsync(IReadOnlyList<IFrameSource> sources, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        var live = _options.Mode == PipelineMode.Live;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var keepFrames = _sinks.Any(s => s is IFrameSink);
        // Frames freed at the end of their way come back for the next decode: enough for every
        // frame the channels and, when sinks draw on frames, the batches and labels hold.
        using var framePool = new FramePool(sources.Count * 4 + 16 + (keepFrames ? (_batches.Capacity + 2) * _batching.MaxBatchSize : 0));
        var captures = new CaptureStage[sources.Count];
        var streamChannels = new Channel<Frame>[sources.Count];
        for (var i = 0; i < sources.Count; i++)
        {
            var stream = new StreamInfo(i, sources[i].Name, sources[i].FramesPerSecond);
            streamChannels[i] = CreateStreamChannel(live, frame =>
            {
                var stream = frame.Header.Stream;
                captures[stream.Id].OnFrameDropped(frame);
                FrameDropped?.Invoke(stream);
            });
            captures[i] = new CaptureStage(stream, sources[i], streamChannels[i].Writer, stop.Token, RuntimeLog.For<CaptureStage>(_loggerFactory), framePool);
        }
        // Live runs keep few frames between capture and the CNN: every queued frame is latency.
        var frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(live ? PreprocessWorkers : 4 + 2 * PreprocessWorkers)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleWriter = true,
        });
        var batches = Channel.CreateBounded<CnnBatch>(new BoundedChannelOptions(_extractor.InFlightBatches) { FullMode = BoundedChannelFullMode.Wait, SingleWriter = true });
        var features = Channel.CreateBounded<CnnBatch>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        // With thresholds a frame may be "none", counted one past the classes.
        var classCount = LabelThresholds.LabelCount(_package.Labels, _package.Manifest.Thresholds is not null);
        // Labels that carry their decoded frames queue a couple of batches' worth, not hundreds of images.
        var labels = Channel.CreateBounded<LabelWithFrame>(new BoundedChannelOptions(keepFrames ? 2 * _batching.MaxBatchSize : 256)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
        });
        var sinkStage = new SinkStage(labels.Reader, _sinks, classCount);
        sinkStage.LabelWritten += label => LabelWritten?.Invoke(label);
        _sinkStage = sinkStage;
        var cnn = new FeatureExtractionStage(batches.Reader, features.Writer, _extractor, Statistics);
        var difference = DifferenceRows.For(_streams, _options.Temporal.MaxTimestampGap);
        _difference = difference;
        var temporal = new TemporalStage(features.Reader, labels.Writer, _heads, _options.Temporal);
        _temporal = temporal;
        _queueDepths = () =>
        [
            .. captures.Select((capture, i) => KeyValuePair.Create("capture:" + capture.Stream.Name, streamChannels[i].Reader.Count)),
            KeyValuePair.Create("frames", frames.Reader.Count),
            KeyValuePair.Create("batches", batches.Reader.Count),
            KeyValuePair.Create("features", features.Reader.Count),
            KeyValuePair.Create("labels", labels.Reader.Count),
        ];

        foreach (var capture in captures)
            capture.Start();
        var completions = captures.Select((capture, i) => CompleteWhenDone(capture, streamChannels[i].Writer)).ToArray();

        var stages = new[]
        {
            new StreamMerger(streamChannels.Select(c => c.Reader).ToArray(), frames.Writer, live ? MergeOrder.FirstAvailable : MergeOrder.RoundRobin).RunAsync(stop.Token),
            new BatchAssembler(frames.Reader, batches.Writer, _batches, _batching, TimeProvider.System, difference, PreprocessWorkers, keepFrames).RunAsync(stop.Token),
            cnn.RunAsync(stop.Token),
            temporal.RunAsync(stop.Token),
            sinkStage.RunAsync(),
        };

        StreamOutcome[] outcomes = [];
        try
        {
            // The sink stage ends last: when it is done every label computed has been written.
            await WhenAllOrFirstFault(stages, stop);
        }
        finally
        {
            await stop.CancelAsync();
            _queueDepths = null;
            outcomes = await Task.WhenAll(completions);
            foreach (var capture in captures)
                capture.Dispose();
            foreach (var channel in streamChannels)
                while (channel.Reader.TryRead(out var left))
                    left.Dispose();
            // A run stopped early leaves labels (and the frames riding with them) behind the sinks.
            while (labels.Reader.TryRead(out var left))
                left.Frame?.Dispose();
        }
        return new PipelineResult(sinkStage.Frames, outcomes, sinkStage.LabelCounts.ToArray(), Stopwatch.GetElapsedTime(started))
        {
            StreamLabelCounts = sinkStage.StreamLabelCounts.Select(c => (IReadOnlyList<long>)c.ToArray()).ToArray(),
        };
    }

    /// <summary>
    /// Replay: a short queue that makes the capture thread wait. Live: the newest two frames, the
    /// evicted one handed to <paramref name="dropped"/>, which disposes and counts it.
    /// </summary>
    private static Channel<Frame> CreateStreamChannel(bool live, Action<Frame> dropped) => live
        ? Channel.CreateBounded(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true }, dropped)
        : Channel.CreateBounded<Frame>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });

    private static async Task<StreamOutcome> CompleteWhenDone(CaptureStage capture, ChannelWriter<Frame> writer)
    {
        var outcome = await capture.Completion;
        writer.TryComplete();
        return outcome;
    }

    /// <summary>Awaits all stages; the first one to fault cancels the rest so the run ends instead of hanging.</summary>
    private static async Task WhenAllOrFirstFault(Task[] stages, CancellationTokenSource stop)
    {
        var remaining = stages.ToList();
        while (remaining.Count > 0)
        {
            var finished = await Task.WhenAny(remaining);
            remaining.Remove(finished);
            if (finished.IsFaulted)
            {
                await stop.CancelAsync();
                try
                {
                    await Task.WhenAll(remaining);
                }
                catch (OperationCanceledException)
                {
                    // The other stages stop because of the fault; it is the fault that is reported.
                }
                await finished;
            }
        }
    }

    public void Dispose()
    {
        // The batches' bindings belong to the extractor's session: they go first.
        _batches.Dispose();
        if (_ownsExtractor)
            _extractor.Dispose();
        foreach (var head in _heads)
            head.Dispose();
        foreach (var sink in _sinks)
            sink.Dispose();
    }
}
