namespace StreamLrcn.Inference;

/// <summary>
/// The names users write for a <see cref="CnnPrecision"/> (<c>--precision</c>, the monitor's
/// <c>precision</c> key): <c>auto</c> (null: int8 on a CPU when the package's calibration passed
/// its check, else float32), <c>fp32</c>, <c>fp16</c>, <c>int8</c>.
/// </summary>
public static class CnnPrecisionNames
{
    public const string Auto = "auto";

    public static IReadOnlyList<string> All { get; } = [Auto, "fp32", "fp16", "int8"];

    /// <summary>"auto, fp32, fp16 or int8", for messages.</summary>
    public static string Choices => $"{string.Join(", ", All.Take(All.Count - 1))} or {All[^1]}";

    /// <summary>Parses a name (any case); <paramref name="precision"/> is null for <c>auto</c>.</summary>
    public static bool TryParse(string? text, out CnnPrecision? precision)
    {
        (var known, precision) = text?.Trim().ToLowerInvariant() switch
        {
            Auto => (true, (CnnPrecision?)null),
            "fp32" => (true, CnnPrecision.Float32),
            "fp16" => (true, CnnPrecision.Float16),
            "int8" => (true, CnnPrecision.Int8),
            _ => (false, null),
        };
        return known;
    }

    public static string Name(CnnPrecision precision) => precision switch
    {
        CnnPrecision.Float16 => "fp16",
        CnnPrecision.Int8 => "int8",
        _ => "fp32",
    };
}
