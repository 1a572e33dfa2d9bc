using System.Buffers;
using StreamLrcn.Capture;

namespace StreamLrcn.Inference;

/// <summary>
/// CNN output for one batch: <see cref="Headers"/>[i] owns row i of <see cref="Features"/>
/// ([Count, FeatureSize], rented from <see cref="ArrayPool{T}.Shared"/>). The holder calls
/// <see cref="Release"/> when done.
/// </summary>
public sealed class FeatureBatch(FrameHeader[] headers, float[] features, int featureSize)
{
    public FrameHeader[] Headers { get; } = headers;

    public int Count => Headers.Length;

    public int FeatureSize { get; } = featureSize;

    public ReadOnlySpan<float> FeaturesOf(int index) => features.AsSpan(index * FeatureSize, FeatureSize);

    public void Release() => ArrayPool<float>.Shared.Return(features);
}
