namespace StreamLrcn.Temporal;

/// <summary>Sliding-window settings and the gap in timestamps that counts as a jump in time.</summary>
public sealed record TemporalOptions(int Window, int Stride, TimeSpan MaxTimestampGap)
{
    public void Validate()
    {
        if (Window < 1)
            throw new ArgumentOutOfRangeException(nameof(Window), Window, "--window must be at least 1");
        if (Stride < 1)
            throw new ArgumentOutOfRangeException(nameof(Stride), Stride, "--stride must be at least 1");
        if (MaxTimestampGap <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(MaxTimestampGap), MaxTimestampGap, "the timestamp gap must be positive");
    }
}
