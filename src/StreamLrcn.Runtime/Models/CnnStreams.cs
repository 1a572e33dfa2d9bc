
namespace StreamLrcn.Models;

/// <summary>
/// The CNN inputs a head takes for each frame, in the order their features are concatenated: the
/// resized frame (<see cref="Rgb"/>) and/or its difference image (<see cref="DifferenceStream"/>).
/// Each input is one CNN row of the same batch, so a frame of a two-stream package costs two rows
/// and the head sees <c>Rows · 512</c> features.
/// </summary>
public sealed record CnnStreams
{
    public const string Rgb = "rgb";
    public const string DifferenceStream = "difference";

    private CnnStreams(IReadOnlyList<string> names, DifferenceSpec? difference)
    {
        Names = names;
        Difference = difference;
    }

    /// <summary>What every package without <c>cnn.streams</c> takes: the frame alone.</summary>
    public static CnnStreams RgbOnly { get; } = new([Rgb], null);

    /// <summary>The stream names in feature order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The difference image's settings; null when the head takes no difference stream.</summary>
    public DifferenceSpec? Difference { get; }

    /// <summary>CNN rows (and 512-d feature blocks) per frame.</summary>
    public int Rows => Names.Count;

    public bool HasRgb => Names.Contains(Rgb);

    /// <summary>Streams named in a manifest; throws <see cref="ModelPackageException"/> for unknown, repeated or missing names.</summary>
    public static CnnStreams From(CnnSpec cnn)
    {
        if (cnn.Streams is null)
        {
            if (cnn.Difference is not null)
                throw new ModelPackageException($"field 'cnn.difference' is set but 'cnn.streams' is not: expected 'cnn.streams' to list \"{DifferenceStream}\"");
            return RgbOnly;
        }
        return Create(cnn.Streams, cnn.Difference);
    }

    /// <summary>Streams by name (e.g. <c>["rgb", "difference"]</c>); the difference's settings default to <see cref="DifferenceSpec"/>'s.</summary>
    public static CnnStreams Create(IReadOnlyList<string> names, DifferenceSpec? difference = null)
    {
        if (names.Count == 0)
            throw new ModelPackageException($"field 'cnn.streams' expected one or both of \"{Rgb}\", \"{DifferenceStream}\", found an empty list");
        foreach (var name in names)
            if (name is not (Rgb or DifferenceStream))
                throw new ModelPackageException($"field 'cnn.streams' expected \"{Rgb}\" or \"{DifferenceStream}\", found \"{name}\"");
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ModelPackageException($"field 'cnn.streams' expected each stream once, found [{string.Join(", ", names)}]");
        if (!names.Contains(DifferenceStream))
        {
            if (difference is not null)
                throw new ModelPackageException($"field 'cnn.difference' is set but 'cnn.streams' [{string.Join(", ", names)}] has no \"{DifferenceStream}\"");
            return names.Count == 1 ? RgbOnly : new CnnStreams(names.ToArray(), null);
        }
        difference ??= new DifferenceSpec();
        if (difference.Step is < 1 or > DifferenceSpec.MaxStep)
            throw new ModelPackageException($"field 'cnn.difference.step' expected 1 to {DifferenceSpec.MaxStep} frames, found {difference.Step}");
        if (!(difference.Scale > 0 && difference.Scale <= DifferenceSpec.MaxScale))
            throw new ModelPackageException($"field 'cnn.difference.scale' expected above 0 and at most {DifferenceSpec.MaxScale}, found {difference.Scale}");
        if (difference.FramesPerSecond is { } fps && !(fps is > 0 and <= 1000))
            throw new ModelPackageException($"field 'cnn.difference.framesPerSecond' expected a frame rate above 0 and at most 1000, found {fps.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return new CnnStreams(names.ToArray(), difference);
    }

    /// <summary>The difference stream alone, with <paramref name="difference"/>'s settings (the trainer caches each stream on its own).</summary>
    public static CnnStreams DifferenceOnly(DifferenceSpec difference) => Create([DifferenceStream], difference);

    /// <summary>
    /// Names the streams and settings, for logs and the feature cache's key (a step that counts
    /// frames is described as it always was, so cached features keep their keys).
    /// </summary>
    public string Describe() => string.Join("+", Names.Select(n => n == DifferenceStream
        ? $"{n}(step={Difference!.Step},scale={Difference.Scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}" +
            (Difference.FramesPerSecond is { } fps ? $",at={fps.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}fps)" : ")")
        : n));

    public bool Equals(CnnStreams? other) => other is not null && Names.SequenceEqual(other.Names) && Equals(Difference, other.Difference);

    public override int GetHashCode() => HashCode.Combine(Describe());
}
