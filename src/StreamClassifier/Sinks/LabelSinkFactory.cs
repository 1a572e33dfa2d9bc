namespace StreamLrcn.Sinks;

/// <summary>Chooses the file sink from the output's extension.</summary>
public static class LabelSinkFactory
{
    public static ILabelSink Create(string path, IReadOnlyList<string> labels)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" => new JsonLinesLabelSink(path, labels),
            ".csv" => new CsvLabelSink(path, labels),
            var other => throw new ArgumentException($"output '{path}' has extension '{other}': expected .jsonl or .csv"),
        };
    }
}
