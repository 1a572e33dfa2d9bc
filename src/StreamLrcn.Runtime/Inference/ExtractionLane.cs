using Microsoft.ML.OnnxRuntime;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// One thread's way into the CNN: its <see cref="RunOptions"/>, and for callers that fill rows one
/// by one (tools, the trainer, benchmarks) a batch of its own (<see cref="InputRow"/>, <see cref="Run(int, Span{float})"/>).
/// The pipeline runs pooled <see cref="CnnBatch"/>es through <see cref="Run(CnnBatch)"/>: a run
/// allocates nothing, the batch carries its tensors and binding. Lanes share their extractor's
/// session; each lane is used by one thread at a time. The extractor owns its lanes.
/// </summary>
public sealed class ExtractionLane : IDisposable
{
    private readonly RunOptions _runOptions = new();
    private readonly Func<CnnBatch> _createOwn;
    private CnnBatch? _own;

    internal ExtractionLane(InferenceSession session, int maxBatchSize, int featureSize, ExecutionTarget target, int cudaDevice)
    {
        MaxBatchSize = maxBatchSize;
        FeatureSize = featureSize;
        // The pipeline's lanes run pooled batches only: their own buffer is made at a caller's first row.
        _createOwn = () => new CnnBatch(session, target, cudaDevice, maxBatchSize, CnnStreams.RgbOnly, featureSize, pool: null);
    }

    private CnnBatch Own => _own ??= _createOwn();

    public int MaxBatchSize { get; }

    public int FeatureSize { get; }

    /// <summary>Row <paramref name="index"/> of the lane's own batch, where a caller places one resized frame.</summary>
    public Span<byte> InputRow(int index) => Own.Row(index, 0);

    /// <summary>Runs the first <paramref name="count"/> rows of the lane's own batch and writes [count, 512] features into <paramref name="features"/>.</summary>
    public void Run(int count, Span<float> features)
    {
        if (count < 1 || count > MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"batch must hold 1..{MaxBatchSize} frames");
        if (features.Length < count * FeatureSize)
            throw new ArgumentException($"feature buffer holds {features.Length} values, {count * FeatureSize} needed", nameof(features));
        var own = Own;
        own.Session!.RunWithBinding(_runOptions, own.BindingFor(count));
        for (var i = 0; i < count; i++)
            own.FeaturesOf(i).CopyTo(features[(i * FeatureSize)..]);
    }

    /// <summary>Runs every row of <paramref name="batch"/>; its features are then in the batch (<see cref="CnnBatch.FeaturesOf"/>).</summary>
    public void Run(CnnBatch batch)
    {
        if (batch.Count == 0)
            throw new ArgumentException("the batch has no frames", nameof(batch));
        (batch.Session ?? throw new ArgumentException("a host-only batch cannot run on the CNN", nameof(batch))).RunWithBinding(_runOptions, batch.BindingFor(batch.RowCount));
    }

    /// <summary>Row counts of the lane's own batch bound so far (each keeps its tensors and binding until the lane is disposed).</summary>
    public int BoundBatchSizes => _own?.BoundRowCounts ?? 0;

    public void Dispose()
    {
        _own?.Dispose();
        _runOptions.Dispose();
    }
}
