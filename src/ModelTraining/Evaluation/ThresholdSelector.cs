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
/// label's frames, and frames that look like no label (a still or empty scene) fall below.
/// </summary>
public static class ThresholdSelector
{
    public sealed record Result(IReadOnlyDictionary<string, double> Thresholds, int Frames, int NoneFrames);

    public static Result Choose(ModelPackage package, IReadOnlyList<ClipFeatures> validation, double recall)
    {
        if (recall is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(recall), recall, "--none-recall must be above 0 and at most 1");
        var labels = package.Labels;
        using var head = new GruHead(package, package.Manifest.Window);
        var perLabel = labels.Select(_ => new List<float>()).ToArray();
        var all = new List<float[]>();
        foreach (var clip in validation.Where(c => !c.Flipped))
        {
            var state = new float[head.StateSize];
            for (var f = 0; f < clip.Frames; f++)
            {
                var probabilities = new float[head.ClassCount];
                head.Step(clip.Frame(f), state, probabilities);
                perLabel[clip.Clip.LabelIndex].Add(probabilities[clip.Clip.LabelIndex]);
                all.Add(probabilities);
            }
        }
        if (perLabel.Any(v => v.Count == 0))
            throw new ArgumentException($"thresholds need validation frames of every label, found none of {string.Join(", ", labels.Where((_, i) => perLabel[i].Count == 0))}");
        var thresholds = labels.Select((label, i) => (label, value: Math.Floor(LowerQuantile(perLabel[i], 1 - recall) * 10_000) / 10_000))
            .ToDictionary(p => p.label, p => p.value);
        var rule = new LabelThresholds(labels, thresholds);
        return new Result(thresholds, all.Count, all.Count(p => rule.Decide(p) == rule.NoneIndex));
    }

    /// <summary>The value below which at most a fraction <paramref name="q"/> of <paramref name="values"/> lie.</summary>
    public static float LowerQuantile(IReadOnlyList<float> values, double q)
    {
        var sorted = values.Order().ToArray();
        // The epsilon keeps 1 - 0.9 (0.0999…) from dropping a whole position.
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length + 1e-9))];
    }
}
