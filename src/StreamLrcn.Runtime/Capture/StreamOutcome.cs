namespace StreamLrcn.Capture;

/// <summary>How one stream's capture ended: normally, or with the error that stopped it; and the frames its source could not decode and skipped.</summary>
public sealed record StreamOutcome(StreamInfo Stream, long FramesCaptured, long FramesDropped, string? Error, long FramesSkipped = 0)
{
    public bool Failed => Error is not null;
}
