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
        if (Window is < 1 or > MaxWindow)
            throw new ArgumentOutOfRangeException(nameof(Window), Window, $"--window must be 1 to {MaxWindow} frames");
        if (Stride < 1)
            throw new ArgumentOutOfRangeException(nameof(Stride), Stride, "--stride must be at least 1");
        if (MaxTimestampGap <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(MaxTimestampGap), MaxTimestampGap, "the timestamp gap must be positive");
    }
}
