namespace StreamLrcn.Pipeline;

/// <summary>How the pipeline treats frames when the CNN is slower than the sources.</summary>
public enum PipelineMode
{
    /// <summary>Recorded inputs: sources wait, no frame is ever dropped, output order is deterministic.</summary>
    Replay,

    /// <summary>Live sources: each stream keeps only its newest frames (the oldest are dropped and counted), so latency stays bounded.</summary>
    Live,
}
