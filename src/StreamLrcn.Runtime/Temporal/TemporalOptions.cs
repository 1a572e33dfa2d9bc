using StreamLrcn.Validation;

namespace StreamLrcn.Temporal;

/// <summary>Sliding-window settings and the gap in timestamps that counts as a jump in time.</summary>
public sealed record TemporalOptions(int Window, int Stride, TimeSpan MaxTimestampGap)
{
    /// <summary>
    /// Longest window: every stream keeps this many features (2 KB each) and the head re-runs over all
    /// of them each stride; far above any training window (8-32 frames), far below what overflows a buffer.
    /// </summary>
    public const int MaxWindow = 10_000;

    public void Validate()
    {
        InvalidOptionException.ThrowUnless<TemporalOptions>(Window is >= 1 and <= MaxWindow, nameof(Window), $"1 to {MaxWindow} frames", Window);
        InvalidOptionException.ThrowUnless<TemporalOptions>(Stride >= 1, nameof(Stride), "at least 1 frame", Stride);
        InvalidOptionException.ThrowUnless<TemporalOptions>(MaxTimestampGap > TimeSpan.Zero, nameof(MaxTimestampGap), "positive", MaxTimestampGap);
    }
}
