namespace StreamLrcn.Capture;

/// <summary>How one stream's capture ended: normally, or with the error that stopped it.</summary>
public sealed record StreamOutcome(StreamInfo Stream, long FramesCaptured, long FramesDropped, string? Error)
{
    public bool Failed => Error is not null;
}
