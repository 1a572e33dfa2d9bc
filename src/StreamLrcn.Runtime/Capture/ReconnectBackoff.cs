namespace StreamLrcn.Capture;

/// <summary>
/// Delays between reconnect attempts: <see cref="Initial"/> doubled per failed attempt up to
/// <see cref="Max"/>, each spread by ±<see cref="Jitter"/> (a fraction) so that cameras that fell
/// together (a switch rebooted) do not reconnect in lock step.
/// </summary>
public sealed record ReconnectBackoff(TimeSpan Initial, TimeSpan Max, double Jitter)
{
    public static ReconnectBackoff Default { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), 0.2);

    /// <summary>Delay before attempt <paramref name="attempt"/> (1 for the first retry after a failure).</summary>
    public TimeSpan DelayFor(int attempt, Random random)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var nominal = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, exponent), Max.TotalMilliseconds);
        var spread = 1 + Jitter * (2 * random.NextDouble() - 1);
        return TimeSpan.FromMilliseconds(Math.Min(nominal * spread, Max.TotalMilliseconds));
    }

    /// <param name="path">Where the options came from, for messages (e.g. <c>cameras[2].backoff</c>).</param>
    public void Validate(string path)
    {
        if (Initial <= TimeSpan.Zero)
            throw new ArgumentException($"{path}.initialSeconds must be positive, found {Initial.TotalSeconds}");
        if (Max < Initial)
            throw new ArgumentException($"{path}.maxSeconds must be at least initialSeconds ({Initial.TotalSeconds}), found {Max.TotalSeconds}");
        if (Jitter is < 0 or >= 1)
            throw new ArgumentException($"{path}.jitter must be in [0, 1), found {Jitter}");
    }
}
