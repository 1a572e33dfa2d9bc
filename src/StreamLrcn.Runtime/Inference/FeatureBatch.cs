using System.Buffers;
using StreamLrcn.Capture;

namespace StreamLrcn.Inference;

/// <summary>
/// CNN output for one batch: <see cref="Headers"/>[i] owns row i of the features
/// ([Count, FeatureSize], rented from <see cref="ArrayPool{T}.Shared"/>). The holder calls
/// <see cref="Release"/> when done; only the first call returns the array, and features read after
/// it throw instead of reading an array someone else may have rented.
/// </summary>
public sealed class FeatureBatch(FrameHeader[] headers, float[] features, int featureSize)
{
    private float[]? _features = features;

    public FrameHeader[] Headers { get; } = headers;

    public int Count => Headers.Length;

    public int FeatureSize { get; } = featureSize;

    public ReadOnlySpan<float> FeaturesOf(int index) =>
        (_features ?? throw new ObjectDisposedException(nameof(FeatureBatch), "the batch's features were read after it was released")).AsSpan(index * FeatureSize, FeatureSize);

    public void Release()
    {
        if (Interlocked.Exchange(ref _features, null) is { } rented)
            ArrayPool<float>.Shared.Return(rented);
    }
}
