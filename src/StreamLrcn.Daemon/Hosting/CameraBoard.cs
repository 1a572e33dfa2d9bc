using System.Diagnostics;
using StreamLrcn.Capture;
using StreamLrcn.Temporal;

namespace StreamLrcn.Hosting;

/// <summary>
/// What the daemon knows about each camera right now, for <c>/health</c>: written by capture
/// threads (status) and the sink thread (labels), read by HTTP requests, so every access locks.
/// </summary>
public sealed class CameraBoard
{
    private readonly Lock _gate = new();
    private readonly Entry[] _entries;
    private readonly IReadOnlyList<string> _labels;

    public CameraBoard(IReadOnlyList<ILiveSource> sources, IReadOnlyList<string> labels)
    {
        _entries = sources.Select(s => new Entry(s)).ToArray();
        _labels = labels;
    }

    public void OnStatus(int camera, StreamStatusChange change)
    {
        lock (_gate)
        {
            var entry = _entries[camera];
            if (change.Kind is StreamEventKind.Down or StreamEventKind.Frozen)
                entry.LastError = change.Reason;
        }
    }

    public void OnLabel(int camera, int? acceptedLabel, float confidence)
    {
        lock (_gate)
        {
            var entry = _entries[camera];
            entry.Classified++;
            entry.LastLabelTimestamp = Stopwatch.GetTimestamp();
            if (acceptedLabel is { } label)
                (entry.Label, entry.Confidence) = (label, confidence);
        }
    }

    public void OnDropped(int camera)
    {
        lock (_gate)
            _entries[camera].Dropped++;
    }

    public IReadOnlyList<CameraHealth> Snapshot()
    {
        lock (_gate)
        {
            return _entries.Select(e => new CameraHealth(
                e.Source.Name,
                e.Source.Status.ToString().ToLowerInvariant(),
                e.Label is { } l ? LabelThresholds.NameOf(_labels, l) : null,
                e.Label is null ? null : Math.Round(e.Confidence, 4),
                e.LastLabelTimestamp == 0 ? null : Math.Round(Stopwatch.GetElapsedTime(e.LastLabelTimestamp).TotalSeconds, 3),
                e.Source.FramesReceived,
                e.Classified,
                e.Dropped,
                e.Source.Reconnects,
                e.LastError)).ToArray();
        }
    }

    private sealed class Entry(ILiveSource source)
    {
        public ILiveSource Source { get; } = source;
        public int? Label { get; set; }
        public double Confidence { get; set; }
        public long Classified { get; set; }
        public long Dropped { get; set; }
        public long LastLabelTimestamp { get; set; }
        public string? LastError { get; set; }
    }
}
