namespace StreamLrcn.Temporal;

/// <summary>Why a stream's recurrent state was cleared at a frame; outputs report it.</summary>
public enum ResetReason
{
    None,
    StreamStart,
    Discontinuity,
    TimeJump,
    /// <summary>The user asked for it (the r key of the live window).</summary>
    UserReset,
}
