namespace StreamLrcn.Sinks;

/// <summary>Chooses the sink from the output's extension; <c>-</c> is JSON lines on standard output.</summary>
public static class LabelSinkFactory
{
    public const string StandardOutput = "-";

    /// <summary>
    /// Opens the output now, before any frame is read, so an output that cannot be written stops the
    /// run at once. Throws <see cref="LabelSinkException"/> when it cannot be created; later write
    /// failures are reported the same way.
    /// </summary>
    public static ILabelSink Create(string path, IReadOnlyList<string> labels)
    {
        if (path == StandardOutput)
            return new FailureReportingSink(new JsonLinesLabelSink(new BufferedStream(Console.OpenStandardOutput(), 1 << 16), labels), "standard output");
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".jsonl" or ".ndjson" or ".csv"))
            throw new ArgumentException($"output '{path}' has extension '{extension}': expected .jsonl, .csv or - (JSON lines on standard output)");
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
                Directory.CreateDirectory(directory);
            var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            ILabelSink sink = extension == ".csv" ? new CsvLabelSink(stream, labels) : new JsonLinesLabelSink(stream, labels);
            return new FailureReportingSink(sink, $"'{path}'");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LabelSinkException($"output '{path}' cannot be written: {ex.Message}", ex);
        }
    }
}
