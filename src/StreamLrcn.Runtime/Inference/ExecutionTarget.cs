namespace StreamLrcn.Inference;

/// <summary>Where a session ended up running.</summary>
public sealed record ExecutionTarget(bool IsGpu, string Description);
