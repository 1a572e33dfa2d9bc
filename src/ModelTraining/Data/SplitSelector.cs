using StreamLrcn.Capture;

namespace StreamLrcn.Training.Data;

/// <summary>Chooses the train and validation clips: by name pattern (split by person), or by a seeded fraction per label.</summary>
public static class SplitSelector
{
    /// <summary>
    /// Clips matching <paramref name="train"/> train, clips matching <paramref name="validation"/>
    /// validate (null: no validation set). A clip matching both is an error, as is a label with no training clip.
    /// </summary>
    public static DatasetSplit ByPattern(ClipDataset dataset, ClipPattern train, ClipPattern? validation)
    {
        var trainClips = dataset.Clips.Where(c => train.Matches(c.Path)).ToArray();
        var validationClips = validation is null ? [] : dataset.Clips.Where(c => validation.Matches(c.Path)).ToArray();
        var both = trainClips.Intersect(validationClips).ToArray();
        if (both.Length > 0)
            throw new DatasetException(
                $"train pattern '{train}' and validation pattern '{validation}' both match {string.Join(", ", both.Select(c => c.Id))}: expected disjoint sets");
        if (validation is not null && validationClips.Length == 0)
            throw new DatasetException($"validation pattern '{validation}' matches no clip of {dataset.Clips.Count} in '{dataset.Root}'");
        CheckEveryLabel(dataset, trainClips, $"train pattern '{train}'");
        return new DatasetSplit(trainClips, validationClips)
        {
            Description = validation is null ? $"train {train}, no validation" : $"train {train}, validation {validation}",
        };
    }

    /// <summary>
    /// Puts round(<paramref name="fraction"/> × n) clips of each label (at least one, never all)
    /// into validation, chosen by a <see cref="Random"/> seeded with <paramref name="seed"/>.
    /// </summary>
    public static DatasetSplit ByFraction(ClipDataset dataset, double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1)
            throw new DatasetException($"validation fraction {fraction}: expected a value between 0 and 1 (exclusive)");
        var random = new Random(seed);
        var train = new List<LabelledClip>();
        var validation = new List<LabelledClip>();
        foreach (var group in dataset.Clips.GroupBy(c => c.LabelIndex).OrderBy(g => g.Key))
        {
            var clips = group.ToArray();
            if (clips.Length < 2)
                throw new DatasetException($"label '{clips[0].Label}' has 1 clip: a fraction split needs at least 2 per label");
            random.Shuffle(clips);
            var count = Math.Clamp((int)Math.Round(fraction * clips.Length), 1, clips.Length - 1);
            validation.AddRange(clips.Take(count));
            train.AddRange(clips.Skip(count));
        }
        var byPath = StringComparer.Ordinal;
        return new DatasetSplit(train.OrderBy(c => c.Path, byPath).ToArray(), validation.OrderBy(c => c.Path, byPath).ToArray())
        {
            Description = $"validation fraction {fraction} per label, seed {seed}",
        };
    }

    private static void CheckEveryLabel(ClipDataset dataset, IReadOnlyList<LabelledClip> clips, string what)
    {
        var missing = dataset.Labels.Where(l => clips.All(c => c.Label != l)).ToArray();
        if (missing.Length > 0)
            throw new DatasetException($"{what} selects no clip of label(s) {string.Join(", ", missing)}: expected at least one clip per label");
    }
}
