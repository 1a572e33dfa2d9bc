using StreamLrcn.Capture;

namespace StreamLrcn.Hosting;

/// <summary><c>backoff:</c> delays between reconnect attempts, doubling from <c>initialSeconds</c> to <c>maxSeconds</c>, spread by ±<c>jitter</c>.</summary>
public sealed record BackoffConfig(double InitialSeconds = 0.25, double MaxSeconds = 5, double Jitter = 0.2)
{
    public ReconnectBackoff ToBackoff() => new(TimeSpan.FromSeconds(InitialSeconds), TimeSpan.FromSeconds(MaxSeconds), Jitter);
}
