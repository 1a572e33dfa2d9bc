using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Embedding;

/// <summary>
/// The pipeline for an application that wants labels in its own code: built once from a model
/// package and <see cref="StreamLabellerOptions"/>, given its sources, then read as an
/// <see cref="IAsyncEnumerable{T}"/> of <see cref="FrameLabel"/>s (one per frame, in each stream's
/// order, streams interleaved).
/// <code>
/// await using var labeller = StreamLabeller.Create(new StreamLabellerOptions { ModelPath = "models/default" }, loggerFactory);
/// labeller.AddSource("clip.mp4");
/// await foreach (var label in labeller.ReadLabelsAsync(cancellationToken))
///     Console.WriteLine($"{label.Header.Sequence}: {labeller.Labels[label.LabelIndex]} {label.Confidence:P0}");
/// </code>
/// One run per labeller: the sources added before <see cref="ReadLabelsAsync"/> are read to their
/// end (files) or until the enumeration stops or is cancelled (cameras, streams). Stopping the
/// enumeration early stops the run and releases the sources.
/// </summary>
public sealed class StreamLabeller : IAsyncDisposable, IDisposable
{
    private readonly StreamLabellerOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly List<IFrameSource> _sources = [];
    private ClassificationPipeline? _pipeline;
    private int _started;

    private StreamLabeller(ModelPackage package, StreamLabellerOptions options, PipelineOptions pipelineOptions, ILoggerFactory? loggerFactory)
    {
        Package = package;
        _options = options;
        PipelineOptions = pipelineOptions;
        _loggerFactory = loggerFactory;
    }

    /// <summary>
    /// Loads the model package and checks the options; the CNN starts at the first read.
    /// </summary>
    /// <exception cref="Validation.InvalidOptionException">An option cannot work; the message names it.</exception>
    /// <exception cref="ModelPackageException">The package is missing or malformed; the message says what was expected and found.</exception>
    public static StreamLabeller Create(StreamLabellerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var package = ModelPackage.Load(options.ModelPath);
        var cnn = new CnnOptions(options.Device, options.Precision, Calibration: package.Calibration, Features: CnnFeatureNames.From(package.Manifest.Cnn));
        var batching = options.BatchSize is null && options.BatchDeadline is null
            ? null
            : new BatchingOptions(options.BatchSize ?? BatchingOptions.Cpu.MaxBatchSize, options.BatchDeadline ?? BatchingOptions.Cpu.MaxDelay);
        var temporal = new TemporalOptions(options.Window ?? package.Manifest.Window, options.Stride ?? package.Manifest.Stride, options.MaxTimestampGap);
        var pipelineOptions = new PipelineOptions(cnn, batching, temporal, options.Live ? PipelineMode.Live : PipelineMode.Replay);
        pipelineOptions.Validate();
        return new StreamLabeller(package, options, pipelineOptions, loggerFactory);
    }

    /// <summary>The model package the labels come from.</summary>
    public ModelPackage Package { get; }

    /// <summary>Label names, indexed by <see cref="FrameLabel.LabelIndex"/> and the probability arrays.</summary>
    public IReadOnlyList<string> Labels => Package.Labels;

    /// <summary>The pipeline settings derived from the options and the package.</summary>
    public PipelineOptions PipelineOptions { get; }

    /// <summary>How the run ended (frames, per-stream outcomes, label counts); null until the labels have all been read.</summary>
    public PipelineResult? Result { get; private set; }

    /// <summary>
    /// Adds a source by what a user would type: a video file, an image folder (frames in name
    /// order at <paramref name="folderFramesPerSecond"/>), a camera index or an <c>rtsp://</c> / <c>http://</c> URL.
    /// </summary>
    /// <param name="name">The stream's name in labels; the file's or folder's own name when null.</param>
    /// <exception cref="FrameSourceException">The input does not exist or cannot be decoded.</exception>
    public StreamLabeller AddSource(string input, string? name = null, double folderFramesPerSecond = 30) =>
        AddSource(FrameSourceFactory.Open(input, folderFramesPerSecond, name, _loggerFactory, PipelineOptions.Cnn.DecoderThreadsPerFile));

    /// <summary>Adds a source of your own (see <see cref="IFrameSource"/>); the labeller disposes it.</summary>
    public StreamLabeller AddSource(IFrameSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Volatile.Read(ref _started) != 0)
            throw new InvalidOperationException("sources are added before the labels are read: this labeller is already running");
        _sources.Add(source);
        return this;
    }

    /// <summary>
    /// Asks every stream to restart its recurrent state at its next frame (labels say
    /// <see cref="ResetReason.UserReset"/>), e.g. when the scene changes. Safe from any thread.
    /// </summary>
    public void Reset() => _pipeline?.RequestReset();

    /// <summary>
    /// Runs the sources and yields every frame's label as it is computed. A source that fails
    /// ends only its own stream (see <see cref="Result"/>); a fault of the pipeline itself (no
    /// CUDA device where one was required, …) is thrown here after the labels computed before it.
    /// </summary>
    public async IAsyncEnumerable<FrameLabel> ReadLabelsAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("a labeller runs once: create another to read again");
        if (_sources.Count == 0)
            throw new InvalidOperationException("no sources: call AddSource before reading labels");

        var labels = Channel.CreateBounded<FrameLabel>(new BoundedChannelOptions(_options.LabelBufferSize)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pipeline = new ClassificationPipeline(Package, PipelineOptions, [new ChannelLabelSink(labels.Writer, stop.Token)], loggerFactory: _loggerFactory);
        _pipeline = pipeline;
        var sources = _sources.ToArray();
        _sources.Clear();
        var run = RunAsync(pipeline, sources, labels.Writer, stop.Token);
        try
        {
            // Cancellation is honoured between labels, not only while waiting for one: labels
            // already buffered are not handed out after the caller asked to stop.
            while (await labels.Reader.WaitToReadAsync(cancellation).ConfigureAwait(false))
            {
                while (labels.Reader.TryRead(out var label))
                {
                    cancellation.ThrowIfCancellationRequested();
                    yield return label;
                }
            }
            Result = await run.ConfigureAwait(false);
        }
        finally
        {
            // The reader stopped early (break, exception, cancellation): stop the run and wait for
            // it, so that no source or CNN session outlives the enumeration.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            _pipeline = null;
            pipeline.Dispose();
        }
    }

    private static async Task<PipelineResult> RunAsync(ClassificationPipeline pipeline, IFrameSource[] sources, ChannelWriter<FrameLabel> labels, CancellationToken cancellation)
    {
        // Off the caller's context: the stages start threads and must not wait on it.
        await Task.Yield();
        try
        {
            var result = await pipeline.RunAsync(sources, cancellation).ConfigureAwait(false);
            labels.TryComplete();
            return result;
        }
        catch (Exception ex)
        {
            labels.TryComplete(ex is OperationCanceledException ? null : ex);
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var source in _sources)
            source.Dispose();
        _sources.Clear();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Hands each label to the reader's channel, waiting while it is full (the pipeline keeps every label).</summary>
    private sealed class ChannelLabelSink(ChannelWriter<FrameLabel> writer, CancellationToken cancellation) : ILabelSink
    {
        public void Write(FrameLabel label) => BlockingWait.Write(writer, label, cancellation);

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
