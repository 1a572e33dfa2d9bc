using StreamLrcn.Capture;

namespace StreamLrcn.Pipeline;

/// <summary>What a finished run did: frames labelled, per-stream outcomes, per-class counts, time taken.</summary>
public sealed record PipelineResult(long FramesLabelled, IReadOnlyList<StreamOutcome> Streams, IReadOnlyList<long> LabelCounts, TimeSpan Elapsed)
{
    public bool AnyStreamFailed => Streams.Any(s => s.Failed);

    public double FramesPerSecond => Elapsed > TimeSpan.Zero ? FramesLabelled / Elapsed.TotalSeconds : 0;
}
