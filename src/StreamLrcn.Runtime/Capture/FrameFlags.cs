namespace StreamLrcn.Capture;

/// <summary>Why the recurrent state of a stream must start again at this frame.</summary>
[Flags]
public enum FrameFlags
{
    None = 0,
    /// <summary>First frame of the stream.</summary>
    StreamStart = 1,
    /// <summary>Frames are missing before this one (a jump in time, a reconnect).</summary>
    Discontinuity = 2,
}
