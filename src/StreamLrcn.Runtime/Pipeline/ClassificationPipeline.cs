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
/// capture threads ─▶ merger ─▶ preprocess ─▶ batcher ─▶ CNN ─▶ temporal ─▶ sinks
/// </code>
/// Every channel is bounded and waits when full, so replay never drops a frame. The pipeline
/// owns the CNN session, the head, the slot pool and the sinks it is given. An optional
/// <see cref="FrameTap"/> receives the decoded frames from preprocessing (for the overlay); the
/// caller owns the tap, and a sink takes frames out of it as their labels arrive.
/// </summary>
public sealed class ClassificationPipeline : IDisposable
{
    private readonly ModelPackage _package;
    private readonly PipelineOptions _options;
    private readonly FeatureExtractor _extractor;
    private readonly bool _ownsExtractor;
    private readonly BatchingOptions _batching;
    private readonly GruHead[] _heads;
    private readonly FrameSlotPool _pool;
    private readonly CnnStreams _streams;
    private readonly FrameSlotPool? _differencePool;
    private volatile DifferenceStage? _difference;
    private readonly IReadOnlyList<ILabelSink> _sinks;
    private readonly FrameTap? _frameTap;
    private readonly ILoggerFactory? _loggerFactory;
    private SinkStage? _sinkStage;
    private volatile TemporalStage? _temporal;

    /// <param name="extractor">A CNN to borrow (the caller keeps and disposes it); by default the pipeline creates and owns one.</param>
    /// <param name="loggerFactory">For the stages' messages (capture, CNN); <see cref="RuntimeLog.Factory"/> when null.</param>
    /// <param name="frameTap">Receives every decoded frame (one run only); without it preprocessing disposes them.</param>
    public ClassificationPipeline(ModelPackage package, PipelineOptions options, IReadOnlyList<ILabelSink> sinks, FeatureExtractor? extractor = null, FrameTap? frameTap = null,
        ILoggerFactory? loggerFactory = null)
    {
        options.Validate();
        _loggerFactory = loggerFactory;
        _package = package;
        _options = options;
        _sinks = sinks;
        _frameTap = frameTap;
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
        // Enough slots for a batch being filled, one queued and one per lane in flight.
        _pool = new FrameSlotPool((2 + _extractor.InFlightBatches) * _batching.MaxBatchSize, ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize);
        if (_streams.Difference is not null)
            _differencePool = new FrameSlotPool(_pool.Capacity, ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize);
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
            captures[i] = new CaptureStage(stream, sources[i], streamChannels[i].Writer, stop.Token, RuntimeLog.For<CaptureStage>(_loggerFactory));
        }
        // Live runs keep few frames between capture and the CNN: every queued frame is latency.
        var frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(live ? PreprocessWorkers : 4 + 2 * PreprocessWorkers)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleWriter = true,
        });
        var preprocessed = Channel.CreateBounded<PreprocessedFrame>(new BoundedChannelOptions(live ? 1 : _batching.MaxBatchSize)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
        });
        var differenced = _differencePool is null ? null : Channel.CreateBounded<PreprocessedFrame>(new BoundedChannelOptions(live ? 1 : _batching.MaxBatchSize)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
        });
        var batches = Channel.CreateBounded<FrameBatch>(new BoundedChannelOptions(_extractor.InFlightBatches) { FullMode = BoundedChannelFullMode.Wait, SingleWriter = true });
        var features = Channel.CreateBounded<FeatureBatch>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var labels = Channel.CreateBounded<FrameLabel>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });

        // Room for every frame the slot pool lets into the pipeline: see FrameTap on why that
        // keeps a full tap from stalling the run.
        _frameTap?.Open(_pool.Capacity + PreprocessWorkers);
        // With thresholds a frame may be "none", counted one past the classes.
        var sinkStage = new SinkStage(labels.Reader, _sinks, _package.Labels.Count + (_package.Manifest.Thresholds is null ? 0 : 1));
        sinkStage.LabelWritten += label => LabelWritten?.Invoke(label);
        _sinkStage = sinkStage;
        var cnn = new FeatureExtractionStage(batches.Reader, features.Writer, _extractor, Statistics, _streams);
        var difference = differenced is null ? null : new DifferenceStage(preprocessed.Reader, differenced.Writer, _differencePool!, _streams.Difference!, _options.Temporal.MaxTimestampGap);
        _difference = difference;
        var temporal = new TemporalStage(features.Reader, labels.Writer, _heads, _options.Temporal);
        _temporal = temporal;
        _queueDepths = () =>
        [
            .. captures.Select((capture, i) => KeyValuePair.Create("capture:" + capture.Stream.Name, streamChannels[i].Reader.Count)),
            KeyValuePair.Create("frames", frames.Reader.Count),
            KeyValuePair.Create("preprocessed", preprocessed.Reader.Count),
            .. differenced is null ? [] : new[] { KeyValuePair.Create("differenced", differenced.Reader.Count) },
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
            new PreprocessStage(frames.Reader, preprocessed.Writer, _pool, PreprocessWorkers, _frameTap?.Writer).RunAsync(stop.Token),
            difference?.RunAsync(stop.Token),
            new Batcher((differenced ?? preprocessed).Reader, batches.Writer, _batching, TimeProvider.System).RunAsync(stop.Token),
            cnn.RunAsync(stop.Token),
            temporal.RunAsync(stop.Token),
            sinkStage.RunAsync(stop.Token),
        }.OfType<Task>().ToArray();

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
        if (_ownsExtractor)
            _extractor.Dispose();
        foreach (var head in _heads)
            head.Dispose();
        _pool.Dispose();
        _differencePool?.Dispose();
        foreach (var sink in _sinks)
            sink.Dispose();
    }
}
