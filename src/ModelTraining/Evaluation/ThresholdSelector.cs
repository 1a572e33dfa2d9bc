using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Evaluation;

/// <summary>
/// Chooses a package's per-label thresholds (<see cref="ModelManifest.Thresholds"/>) on validation
/// clips: each clip is stepped through the package's head from a zero state, as the runtime labels
/// a stream, and a label's threshold is the probability that <c>recall</c> of the frames truly of
/// that label reach (the lower <c>1 − recall</c> quantile of their probability of it). Below every
/// threshold a frame is "none": on gesture clips alone that costs about <c>1 − recall</c> of each
/// label's frames, and frames that look like no label (a still or empty scene) fall below. A
/// background class (<see cref="LabelThresholds.NoneName"/>, trained from clips of no gesture) gets
/// threshold 0: "none" may always win, a gesture must beat it and reach its own threshold.
/// </summary>
public static class ThresholdSelector
{
    /// <param name="Frames">Validation frames of the gestures (a background class's frames are not counted).</param>
    /// <param name="NoneFrames">Of those, the frames the thresholds (or the background class) label "none".</param>
    public sealed record Result(IReadOnlyDictionary<string, double> Thresholds, int Frames, int NoneFrames);

    public static Result Choose(ModelPackage package, IReadOnlyList<ClipFeatures> validation, double recall)
    {
        if (recall is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(recall), recall, "--none-recall must be above 0 and at most 1");
        var labels = package.Labels;
        using var head = new GruHead(package, package.Manifest.Window);
        var perLabel = labels.Select(_ => new List<float>()).ToArray();
        var gestureFrames = new List<float[]>();
        foreach (var clip in validation.Where(c => !c.Flipped))
        {
            var state = new float[head.StateSize];
            for (var f = 0; f < clip.Frames; f++)
            {
                var probabilities = new float[head.ClassCount];
                head.Step(clip.Frame(f), state, probabilities);
                perLabel[clip.Clip.LabelIndex].Add(probabilities[clip.Clip.LabelIndex]);
                if (labels[clip.Clip.LabelIndex] != LabelThresholds.NoneName)
                    gestureFrames.Add(probabilities);
            }
        }
        var gestures = Enumerable.Range(0, labels.Count).Where(i => labels[i] != LabelThresholds.NoneName).ToArray();
        if (gestures.Any(i => perLabel[i].Count == 0))
            throw new ArgumentException($"thresholds need validation frames of every label, found none of {string.Join(", ", gestures.Where(i => perLabel[i].Count == 0).Select(i => labels[i]))}");
        var thresholds = labels.Select((label, i) => (label, value: label == LabelThresholds.NoneName ? 0 : Math.Floor(LowerQuantile(perLabel[i], 1 - recall) * 10_000) / 10_000))
            .ToDictionary(p => p.label, p => p.value);
        var rule = new LabelThresholds(labels, thresholds);
        return new Result(thresholds, gestureFrames.Count, gestureFrames.Count(p => rule.Decide(p) == rule.NoneIndex));
    }

    /// <summary>The value below which at most a fraction <paramref name="q"/> of <paramref name="values"/> lie.</summary>
    public static float LowerQuantile(IReadOnlyList<float> values, double q)
    {
        var sorted = values.Order().ToArray();
        // The epsilon keeps 1 - 0.9 (0.0999…) from dropping a whole position.
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length + 1e-9))];
    }
}
