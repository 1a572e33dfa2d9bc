using StreamLrcn.Inference;
using StreamLrcn.Temporal;

namespace StreamLrcn.Pipeline;

/// <summary>Everything that shapes a run of the pipeline, validated before the first frame.</summary>
public sealed record PipelineOptions(DeviceRequest Device, BatchingOptions Batching, TemporalOptions Temporal, int CpuThreads = 0, PipelineMode Mode = PipelineMode.Replay)
{
    public void Validate()
    {
        Batching.Validate();
        Temporal.Validate();
        if (CpuThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(CpuThreads), CpuThreads, "--threads must be 0 (one per core) or more");
    }
}
