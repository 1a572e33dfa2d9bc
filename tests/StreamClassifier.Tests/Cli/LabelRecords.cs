using System.Text.Json;

namespace StreamLrcn.Tests.Cli;

/// <summary>Reads a replay's JSON-lines output.</summary>
public sealed record LabelRecord(string Stream, int StreamIndex, long Frame, double TimeMs, string Label, double Confidence, string? WindowLabel, string? Reset)
{
    public static IReadOnlyList<LabelRecord> Read(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Select(Parse).ToArray()
            : [];

    private static LabelRecord Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return new LabelRecord(
            root.GetProperty("stream").GetString()!,
            root.GetProperty("streamIndex").GetInt32(),
            root.GetProperty("frame").GetInt64(),
            root.GetProperty("timeMs").GetDouble(),
            root.GetProperty("label").GetString()!,
            root.GetProperty("confidence").GetDouble(),
            root.TryGetProperty("window", out var window) ? window.GetProperty("label").GetString() : null,
            root.TryGetProperty("reset", out var reset) ? reset.GetString() : null);
    }
}
