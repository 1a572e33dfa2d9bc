namespace StreamLrcn.Capture;

/// <summary>How <see cref="StreamMerger"/> picks the next frame among streams.</summary>
public enum MergeOrder
{
    RoundRobin,
    FirstAvailable,
}
