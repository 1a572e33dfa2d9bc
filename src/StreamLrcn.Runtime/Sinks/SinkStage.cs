using System.Threading.Channels;
using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>
/// Writes every label to every sink and flushes whenever the channel runs dry, so that labels
/// are on disk soon after they are computed and all of them are there when a stream fails.
/// Counts labels per class for the run summary. A frame that came with its label goes to the
/// <see cref="IFrameSink"/>s and is disposed after the last one (each shares it if it keeps it).
/// The stage owns its sinks.
/// </summary>
public sealed class SinkStage(ChannelReader<LabelWithFrame> input, IReadOnlyList<ILabelSink> sinks, int classCount) : IDisposable
{
    // An array: a foreach over the interface would box an enumerator for every label.
    private readonly ILabelSink[] _sinks = [.. sinks];
    private readonly long[] _labelCounts = new long[classCount];
    private readonly List<long[]> _streamLabelCounts = [];
    private long _frames;

    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>True when one of the sinks draws on decoded frames, so the run must keep them (<see cref="IFrameSink"/>).</summary>
    public bool NeedsFrames => _sinks.Any(s => s is IFrameSink);

    /// <summary>Per-frame label counts, by class index. Read after <see cref="RunAsync"/> completes.</summary>
    public IReadOnlyList<long> LabelCounts => _labelCounts;

    /// <summary>Per-frame label counts of each stream (by stream id, then class index). Read after <see cref="RunAsync"/> completes.</summary>
    public IReadOnlyList<IReadOnlyList<long>> StreamLabelCounts => _streamLabelCounts;

    /// <summary>Raised on the stage's thread after each label is written (the live overlay and events use it).</summary>
    public event Action<FrameLabel>? LabelWritten;

    /// <summary>Writes labels until the input completes (see the stage before it for cancellation).</summary>
    public async Task RunAsync()
    {
        try
        {
            // Every label computed is written, also when the run is cancelled: the stage ends when
            // its input completes, which the temporal stage does at once when cancelled. The wait
            // takes no token (a cancellable wait would allocate at every batch).
            while (await input.WaitToReadAsync(CancellationToken.None))
            {
                while (input.TryRead(out var item))
                {
                    var label = item.Label;
                    using (item.Frame)
                    {
                        foreach (var sink in _sinks)
                        {
                            if (item.Frame is { } frame && sink is IFrameSink frameSink)
                                frameSink.Write(label, frame);
                            else
                                sink.Write(label);
                        }
                    }
                    _labelCounts[label.LabelIndex]++;
                    CountsOf(label.Header.Stream.Id)[label.LabelIndex]++;
                    Interlocked.Increment(ref _frames);
                    LabelWritten?.Invoke(label);
                }
                foreach (var sink in _sinks)
                    sink.Flush();
            }
        }
        finally
        {
            foreach (var sink in _sinks)
                sink.Flush();
            // Labels left behind when the run stops early still own their frames.
            while (input.TryRead(out var left))
                left.Frame?.Dispose();
        }
    }

    private long[] CountsOf(int stream)
    {
        // Grows once per stream, not per frame.
        while (_streamLabelCounts.Count <= stream)
            _streamLabelCounts.Add(new long[classCount]);
        return _streamLabelCounts[stream];
    }

    public void Dispose()
    {
        foreach (var sink in _sinks)
            sink.Dispose();
    }
}
