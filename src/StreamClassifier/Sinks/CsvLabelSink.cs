using System.Globalization;
using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>
/// One row per frame: <c>stream,stream_index,frame,time_ms,label,confidence,p_&lt;label&gt;…,window_label,window_confidence,reset</c>.
/// Window columns are empty on frames without a window label. The sink owns the stream it writes to.
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
            new[] { "stream", "stream_index", "frame", "time_ms", "label", "confidence" }
                .Concat(labels.Select(l => Quote("p_" + l)))
                .Concat(["window_label", "window_confidence", "reset"])));
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
        w.Write(LabelFormat.Number(label.Header.Timestamp.TotalMilliseconds));
        w.Write(',');
        w.Write(Quote(_labels[label.LabelIndex]));
        w.Write(',');
        w.Write(LabelFormat.Number(label.Confidence));
        foreach (var p in label.Probabilities)
        {
            w.Write(',');
            w.Write(LabelFormat.Number(p));
        }
        w.Write(',');
        if (label.WindowLabelIndex is { } window && label.WindowProbabilities is { } windowProbabilities)
        {
            w.Write(Quote(_labels[window]));
            w.Write(',');
            w.Write(LabelFormat.Number(windowProbabilities[window]));
        }
        else
        {
            w.Write(',');
        }
        w.Write(',');
        w.Write(LabelFormat.ResetName(label.Reset));
        w.WriteLine();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    public void Flush() => _writer.Flush();

    public void Dispose() => _writer.Dispose();
}
