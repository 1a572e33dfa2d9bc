using StreamLrcn.Capture;

namespace StreamLrcn.Pipeline;

/// <summary>What a finished run did: frames labelled, per-stream outcomes, per-class counts (all streams, and each stream's), time taken.</summary>
public sealed record PipelineResult(long FramesLabelled, IReadOnlyList<StreamOutcome> Streams, IReadOnlyList<long> LabelCounts, TimeSpan Elapsed)
{
    /// <summary>Per-frame label counts of each stream, by stream id (the order of <see cref="Streams"/>), then class index.</summary>
    public IReadOnlyList<IReadOnlyList<long>> StreamLabelCounts { get; init; } = [];

    public bool AnyStreamFailed => Streams.Any(s => s.Failed);

    /// <summary>Whether some source passed over frames it could not decode: the run went on, but the input is damaged.</summary>
    public bool AnyFramesSkipped => Streams.Any(s => s.FramesSkipped > 0);

    public double FramesPerSecond => Elapsed > TimeSpan.Zero ? FramesLabelled / Elapsed.TotalSeconds : 0;
}
