using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Features;

/// <summary>CNN features of every frame of one clip: <c>Values</c> is [Frames, FeatureSize] row-major.</summary>
/// <param name="Flipped">The features of the horizontally mirrored clip (an augmentation, cached as its own entry).</param>
public sealed record ClipFeatures(LabelledClip Clip, bool Flipped, int Frames, int FeatureSize, float[] Values)
{
    public ReadOnlySpan<float> Frame(int index) => Values.AsSpan(index * FeatureSize, FeatureSize);

    /// <summary>The features of the given frames, in the given order, as one [indices.Length, FeatureSize] array.</summary>
    public float[] Gather(IReadOnlyList<int> indices)
    {
        var result = new float[indices.Count * FeatureSize];
        for (var i = 0; i < indices.Count; i++)
            Frame(indices[i]).CopyTo(result.AsSpan(i * FeatureSize, FeatureSize));
        return result;
    }

    public override string ToString() => Flipped ? $"{Clip.Id} (flipped)" : Clip.Id;
}
