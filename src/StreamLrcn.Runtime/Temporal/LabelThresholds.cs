using StreamLrcn.Models;

namespace StreamLrcn.Temporal;

/// <summary>
/// The honest "none" of a package with per-label thresholds (<see cref="ModelManifest.Thresholds"/>):
/// a frame or window gets the most probable label among those whose probability reaches their own
/// threshold, and <see cref="NoneName"/> when no label does: the index of the package's background
/// class when it has one (a last label named <c>none</c>, trained from clips of no gesture), so that
/// "none" is one label whichever way it was reached; otherwise <c>ClassCount</c>, one past the last
/// class. The probabilities themselves are left as the head gave them.
/// </summary>
public sealed class LabelThresholds
{
    public const string NoneName = "none";

    private readonly float[] _thresholds;

    public LabelThresholds(IReadOnlyList<string> labels, IReadOnlyDictionary<string, double> thresholds)
    {
        _thresholds = labels.Select(l => thresholds.TryGetValue(l, out var t) ? (float)t
            : throw new ModelPackageException($"field 'thresholds' expected a threshold for label '{l}', found none")).ToArray();
        NoneIndex = labels.Count > 0 && labels[^1] == NoneName ? labels.Count - 1 : labels.Count;
    }

    /// <summary>Thresholds of the package, or null when it has none (every frame gets its most probable label).</summary>
    public static LabelThresholds? From(ModelManifest manifest) =>
        manifest.Thresholds is { } thresholds ? new LabelThresholds(manifest.Labels, thresholds) : null;

    public int ClassCount => _thresholds.Length;

    /// <summary>The index <see cref="Decide"/> returns for "none": the background class's, or one past the classes without one.</summary>
    public int NoneIndex { get; }

    /// <summary>Labels a frame or window can get: the classes, and "none" after them unless a background class is "none".</summary>
    public static int LabelCount(IReadOnlyList<string> labels, bool thresholds) =>
        labels.Count + (thresholds && (labels.Count == 0 || labels[^1] != NoneName) ? 1 : 0);

    public float this[int label] => _thresholds[label];

    public int Decide(ReadOnlySpan<float> probabilities)
    {
        var best = NoneIndex;
        for (var c = 0; c < _thresholds.Length; c++)
            if (probabilities[c] >= _thresholds[c] && (best == NoneIndex || probabilities[c] > probabilities[best]))
                best = c;
        return best;
    }

    /// <summary>The name of label <paramref name="index"/>: a class of <paramref name="labels"/>, or <see cref="NoneName"/> one past them.</summary>
    public static string NameOf(IReadOnlyList<string> labels, int index) => index == labels.Count ? NoneName : labels[index];

    /// <summary>
    /// Whether label <paramref name="index"/> means no gesture: "none" from the thresholds (one past
    /// <paramref name="labels"/>), or a background class of that name (trained from <c>DATA/_none/</c> clips).
    /// </summary>
    public static bool IsNone(IReadOnlyList<string> labels, int index) => index == labels.Count || labels[index] == NoneName;

    /// <summary>
    /// The confidence written with label <paramref name="index"/> of <paramref name="labels"/>: its
    /// probability, or for "none" (one past the classes, or a background class of that name) the
    /// highest probability: the class's own when it won, how near a gesture came when none reached its threshold.
    /// </summary>
    public static float ConfidenceOf(IReadOnlyList<string> labels, int index, ReadOnlySpan<float> probabilities) =>
        IsNone(labels, index) ? ConfidenceOf(probabilities.Length, probabilities) : probabilities[index];

    /// <summary>The confidence reported with label <paramref name="index"/>: its probability, or for "none" the highest class probability (how near a label came).</summary>
    public static float ConfidenceOf(int index, ReadOnlySpan<float> probabilities)
    {
        if (index < probabilities.Length)
            return probabilities[index];
        var max = 0f;
        foreach (var p in probabilities)
            max = Math.Max(max, p);
        return max;
    }
}
