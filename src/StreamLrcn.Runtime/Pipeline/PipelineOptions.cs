using StreamLrcn.Inference;
using StreamLrcn.Temporal;

namespace StreamLrcn.Pipeline;

/// <summary>Everything that shapes a run of the pipeline, validated before the first frame.</summary>
/// <param name="Batching">Batch size and deadline; null picks them per device (<see cref="BatchingOptions.For"/>).</param>
public sealed record PipelineOptions(CnnOptions Cnn, BatchingOptions? Batching, TemporalOptions Temporal, PipelineMode Mode = PipelineMode.Replay)
{
    public void Validate()
    {
        Cnn.Validate();
        Batching?.Validate();
        Temporal.Validate();
    }
}
