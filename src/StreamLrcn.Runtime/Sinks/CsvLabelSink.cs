using System.Globalization;
using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>
/// One row per frame with the fields of the JSON lines, named by their JSON path:
/// <c>stream,streamIndex,frame,timeMs,label,confidence,probabilities.&lt;label&gt;…,window.label,window.confidence,window.probabilities.&lt;label&gt;…,reset</c>.
/// Window columns are empty on frames without a window label, <c>reset</c> on frames without a reset.
/// The sink owns the stream it writes to.
/// </summary>
public sealed class CsvLabelSink : ILabelSink
{
    private readonly IReadOnlyList<string> _labels;
    private readonly StreamWriter _writer;

    public CsvLabelSink(Stream stream, IReadOnlyList<string> labels)
    {
        _labels = labels;
        _writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        _writer.WriteLine(string.Join(',',
            new[] { "stream", "streamIndex", "frame", "timeMs", "label", "confidence" }
                .Concat(labels.Select(l => Quote("probabilities." + l)))
                .Concat(["window.label", "window.confidence"])
                .Concat(labels.Select(l => Quote("window.probabilities." + l)))
                .Append("reset")));
    }

    public void Write(FrameLabel label)
    {
        var w = _writer;
        w.Write(Quote(label.Header.Stream.Name));
        w.Write(',');
        w.Write(label.Header.Stream.Id.ToString(CultureInfo.InvariantCulture));
        w.Write(',');
        w.Write(label.Header.Sequence.ToString(CultureInfo.InvariantCulture));
        w.Write(',');
        w.Write(LabelFormat.Number(Math.Round(label.Header.Timestamp.TotalMilliseconds, 3)));
        w.Write(',');
        w.Write(Quote(LabelThresholds.NameOf(_labels, label.LabelIndex)));
        w.Write(',');
        w.Write(LabelFormat.Number(LabelThresholds.ConfidenceOf(_labels, label.LabelIndex, label.Probabilities)));
        WriteProbabilities(label.Probabilities);
        w.Write(',');
        if (label.WindowLabelIndex is { } window && label.WindowProbabilities is { } windowProbabilities)
        {
            w.Write(Quote(LabelThresholds.NameOf(_labels, window)));
            w.Write(',');
            w.Write(LabelFormat.Number(LabelThresholds.ConfidenceOf(_labels, window, windowProbabilities)));
            WriteProbabilities(windowProbabilities);
        }
        else
        {
            w.Write(',');
            for (var i = 0; i < _labels.Count; i++)
                w.Write(',');
        }
        w.Write(',');
        w.Write(LabelFormat.ResetName(label.Reset));
        w.WriteLine();
    }

    private void WriteProbabilities(float[] probabilities)
    {
        foreach (var p in probabilities)
        {
            _writer.Write(',');
            _writer.Write(LabelFormat.Number(p));
        }
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    public void Flush() => _writer.Flush();

    public void Dispose() => _writer.Dispose();
}
