namespace StreamLrcn.Models;

/// <summary>
/// The names a manifest's <c>cnn.features</c> and the trainer's <c>--features</c> use for a
/// <see cref="CnnFeatures"/>, and the feature size each gives per CNN row.
/// </summary>
public static class CnnFeatureNames
{
    public const string Pooled = "pooled";
    public const string Grid2 = "grid2";
    public const string Flatten = "flatten";

    public static IReadOnlyList<string> All { get; } = [Pooled, Grid2, Flatten];

    /// <summary>Parses a name (any case); false for anything else.</summary>
    public static bool TryParse(string? text, out CnnFeatures features)
    {
        (var known, features) = text?.Trim().ToLowerInvariant() switch
        {
            Pooled => (true, CnnFeatures.Pooled),
            Grid2 => (true, CnnFeatures.Grid2),
            Flatten => (true, CnnFeatures.Flatten),
            _ => (false, CnnFeatures.Pooled),
        };
        return known;
    }

    public static string Name(CnnFeatures features) => features switch
    {
        CnnFeatures.Grid2 => Grid2,
        CnnFeatures.Flatten => Flatten,
        _ => Pooled,
    };

    /// <summary>Features per CNN row: 512, 2048 or 25088.</summary>
    public static int SizeOf(CnnFeatures features) => features switch
    {
        CnnFeatures.Grid2 => SupportedCnn.Channels * 2 * 2,
        CnnFeatures.Flatten => SupportedCnn.Channels * SupportedCnn.MapSize * SupportedCnn.MapSize,
        _ => SupportedCnn.Channels,
    };

    /// <summary>A manifest's features: absent means pooled (every package before the option).</summary>
    public static CnnFeatures From(CnnSpec cnn)
    {
        if (cnn.Features is null)
            return CnnFeatures.Pooled;
        if (!TryParse(cnn.Features, out var features))
            throw new ModelPackageException($"field 'cnn.features' expected {string.Join(", ", All.Select(n => $"\"{n}\""))} or absent (pooled), found \"{cnn.Features}\"");
        return features;
    }
}
