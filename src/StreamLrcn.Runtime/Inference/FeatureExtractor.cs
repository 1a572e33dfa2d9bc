using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StreamLrcn.Diagnostics;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// The CNN: one long-lived ONNX Runtime session over the derived ResNet18 (uint8 BGR input,
/// preprocessing in the graph), its <see cref="ExtractionLane"/>s (one per thread running it) and
/// the pools of <see cref="CnnBatch"/>es it creates for the pipeline.
/// <see cref="InputRow"/> and <see cref="Run(int, Span{float})"/> use the first lane, for single-threaded callers
/// (tools, the trainer, benchmarks); the pipeline runs <see cref="InFlightBatches"/> lanes at once.
/// The extractor owns the session and every lane it created.
/// </summary>
public sealed class FeatureExtractor : IDisposable
{
    public const int FrameBytes = ResNet18FeatureModel.InputSize * ResNet18FeatureModel.InputSize * 3;

    private readonly InferenceSession _session;
    private readonly List<ExtractionLane> _lanes = [];
    private readonly CnnOptions _options;
    private readonly ILogger _logger;

    /// <summary>An extractor for one caller running one batch at a time (<see cref="Run(int, Span{float})"/>), with every core on it.</summary>
    public FeatureExtractor(DeviceRequest device, int maxBatchSize, int cpuThreads = 0)
        : this(new CnnOptions(device, CpuThreads: cpuThreads, InFlightBatches: 1), maxBatchSize)
    {
    }

    /// <param name="maxBatchSize">Largest batch; null picks per device (<see cref="BatchingOptions.For"/>).</param>
    /// <param name="loggerFactory">Where the CNN says which device and precision it runs on; <see cref="RuntimeLog.Factory"/> when null.</param>
    public FeatureExtractor(CnnOptions options, int? maxBatchSize = null, string? modelPath = null, ILoggerFactory? loggerFactory = null)
    {
        options.Validate();
        _logger = RuntimeLog.For<FeatureExtractor>(loggerFactory);
        _options = options;
        // The precision is chosen for the device the session lands on: int8 is the CPU's
        // default (with a calibration that passed), float32 the GPU's. A model given by path runs as it is.
        ExecutionTarget target;
        if (modelPath is null)
        {
            _session = SessionFactory.Create(ModelPath, options, out target, out var precision, _logger);
            Precision = precision;
        }
        else
        {
            _session = SessionFactory.Create(modelPath, options, out target, _logger);
            Precision = options.Precision ?? CnnPrecision.Float32;
        }
        Target = target;
        Check();
        MaxBatchSize = maxBatchSize ?? BatchingOptions.For(target).MaxBatchSize;
        InFlightBatches = target.IsGpu ? (options.InFlightBatches > 0 ? options.InFlightBatches : 2) : options.CpuLanes;
        CreateLane();
    }

    /// <summary>Features per row: 512 pooled, or what <see cref="CnnOptions.Features"/> asks for.</summary>
    public int FeatureSize => CnnFeatureNames.SizeOf(_options.Features);

    public CnnFeatures Features => _options.Features;

    /// <summary>The precision the CNN runs in (for a model given by path: the one asked for, float32 if none).</summary>
    public CnnPrecision Precision { get; }

    public int MaxBatchSize { get; }

    /// <summary>Batches the pipeline keeps in flight, each in its own lane.</summary>
    public int InFlightBatches { get; }

    public ExecutionTarget Target { get; }

    /// <summary>The execution provider the session runs on, for logs and benchmark reports.</summary>
    public string Provider => Target.Description;

    public Span<byte> InputRow(int index) => _lanes[0].InputRow(index);

    public void Run(int count, Span<float> features) => _lanes[0].Run(count, features);

    /// <summary>The extractor's lanes, created on first request; lane 0 also serves <see cref="Run(int, Span{float})"/>.</summary>
    public ExtractionLane Lane(int index)
    {
        while (_lanes.Count <= index)
            CreateLane();
        return _lanes[index];
    }

    /// <summary>
    /// <paramref name="capacity"/> batches of up to <paramref name="maxFrames"/> frames of
    /// <paramref name="streams"/>, in memory this session's device reads best (pinned on CUDA).
    /// The caller owns and disposes the pool, before the extractor.
    /// </summary>
    public CnnBatchPool CreateBatchPool(int capacity, int maxFrames, CnnStreams streams)
    {
        if (maxFrames * streams.Rows > MaxBatchSize)
            throw new ArgumentException($"the CNN runs batches of up to {MaxBatchSize} rows, a batch of {maxFrames} frames of {streams.Rows} row(s) needs {maxFrames * streams.Rows}");
        return new CnnBatchPool(pool => new CnnBatch(_session, Target, _options.Device.CudaDeviceId, maxFrames, streams, FeatureSize, pool), capacity);
    }

    /// <summary>A batch of its own for a single caller (the trainer's clips): filled, run with <see cref="Run(CnnBatch)"/>, <see cref="CnnBatch.Clear"/>ed. The caller disposes it.</summary>
    public CnnBatch CreateBatch(int maxFrames, CnnStreams streams) =>
        new(_session, Target, _options.Device.CudaDeviceId, maxFrames, streams, FeatureSize, pool: null);

    /// <summary>Runs <paramref name="batch"/> on the first lane (single-threaded callers).</summary>
    public void Run(CnnBatch batch) => _lanes[0].Run(batch);

    private string ModelPath(CnnPrecision precision) =>
        ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, precision, calibration: _options.Calibration, logger: _logger, features: _options.Features);

    private void CreateLane() => _lanes.Add(new ExtractionLane(_session, MaxBatchSize, FeatureSize, Target, _options.Device.CudaDeviceId));

    private void Check()
    {
        if (!_session.InputMetadata.TryGetValue(ResNet18FeatureModel.InputName, out var input) || input.ElementDataType != TensorElementType.UInt8)
            throw new ModelPackageException($"CNN model: expected a uint8 input '{ResNet18FeatureModel.InputName}', found {string.Join(", ", _session.InputMetadata.Keys)}");
        if (!_session.OutputMetadata.TryGetValue(ResNet18FeatureModel.OutputName, out var output) || output.Dimensions[^1] != FeatureSize)
            throw new ModelPackageException($"CNN model: expected an output '{ResNet18FeatureModel.OutputName}' of {FeatureSize} features, found {string.Join(", ", _session.OutputMetadata.Keys)}");
    }

    public void Dispose()
    {
        foreach (var lane in _lanes)
            lane.Dispose();
        _session.Dispose();
    }
}
