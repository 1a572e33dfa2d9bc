using System.Text.Json;
using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>
/// One JSON object per frame and line:
/// <c>{"stream","streamIndex","frame","timeMs","label","confidence","probabilities":{…},"window":{…}?,"reset"?}</c>.
/// Latency is left out so that two replays of the same input write identical files. The sink owns
/// the stream it writes to (a file, or standard output).
/// </summary>
public sealed class JsonLinesLabelSink : ILabelSink
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private readonly IReadOnlyList<string> _labels;
    private readonly Stream _stream;
    private readonly Utf8JsonWriter _writer;

    public JsonLinesLabelSink(Stream stream, IReadOnlyList<string> labels)
    {
        _labels = labels;
        _stream = stream;
        _writer = new Utf8JsonWriter(_stream, WriterOptions);
    }

    public void Write(FrameLabel label)
    {
        var w = _writer;
        w.WriteStartObject();
        w.WriteString("stream", label.Header.Stream.Name);
        w.WriteNumber("streamIndex", label.Header.Stream.Id);
        w.WriteNumber("frame", label.Header.Sequence);
        w.WriteNumber("timeMs", Math.Round(label.Header.Timestamp.TotalMilliseconds, 3));
        w.WriteString("label", LabelThresholds.NameOf(_labels, label.LabelIndex));
        w.WriteNumber("confidence", LabelThresholds.ConfidenceOf(_labels, label.LabelIndex, label.Probabilities));
        WriteProbabilities(label.Probabilities);
        if (label.WindowLabelIndex is { } window && label.WindowProbabilities is { } windowProbabilities)
        {
            w.WriteStartObject("window");
            w.WriteString("label", LabelThresholds.NameOf(_labels, window));
            w.WriteNumber("confidence", LabelThresholds.ConfidenceOf(_labels, window, windowProbabilities));
            WriteProbabilities(windowProbabilities);
            w.WriteEndObject();
        }
        if (label.Reset != ResetReason.None)
            w.WriteString("reset", LabelFormat.ResetName(label.Reset));
        w.WriteEndObject();
        w.Flush();
        w.Reset();
        _stream.WriteByte((byte)'\n');
    }

    private void WriteProbabilities(float[] probabilities)
    {
        _writer.WriteStartObject("probabilities");
        for (var i = 0; i < probabilities.Length; i++)
            _writer.WriteNumber(_labels[i], probabilities[i]);
        _writer.WriteEndObject();
    }

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}
