namespace StreamLrcn.Capture;

/// <summary>
/// A network source's report: it went up, went down (and why), or is about to try again.
/// Raised on the source's capture thread; handlers must be quick and thread-safe.
/// </summary>
/// <param name="Stream">The stream's name.</param>
/// <param name="Status">Status after this change.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Reason">Why it went down (ffmpeg's last message, credentials removed); null otherwise.</param>
/// <param name="Attempt">Reconnect attempt number since the stream was last up (0 on the first connection).</param>
/// <param name="RetryIn">For <see cref="StreamEventKind.Reconnecting"/>: the backoff delay before the attempt.</param>
/// <param name="DownFor">For <see cref="StreamEventKind.Up"/> after an outage: how long the stream was down.</param>
public sealed record StreamStatusChange(
    string Stream,
    StreamStatus Status,
    StreamEventKind Kind,
    string? Reason,
    int Attempt,
    TimeSpan? RetryIn,
    TimeSpan? DownFor);
