namespace StreamLrcn.Capture;

/// <summary>
/// One network stream read through an ffmpeg child process.
/// </summary>
/// <param name="Name">What outputs call the stream.</param>
/// <param name="Url">Any URL ffmpeg reads (rtsp://, http://, HLS …); may hold credentials, which are never printed.</param>
/// <param name="Transport">RTSP transport; ignored for other schemes.</param>
/// <param name="Width">Frame width to deliver; null: probed with ffprobe on the first connection.</param>
/// <param name="Height">Frame height to deliver; null: probed.</param>
/// <param name="FramesPerSecond">Rate ffmpeg resamples to; null: the stream's own rate (probed, for timestamps only).</param>
/// <param name="Every">Keep every k-th frame received and discard the others (1: keep all).</param>
/// <param name="ConnectTimeout">Longest wait for the first frame of a connection.</param>
/// <param name="FrozenAfter">A connected stream that delivers no frame for this long is frozen: ffmpeg is killed and restarted.</param>
/// <param name="Backoff">Delays between reconnect attempts.</param>
public sealed record NetworkSourceOptions(
    string Name,
    string Url,
    RtspTransport Transport,
    int? Width,
    int? Height,
    double? FramesPerSecond,
    int Every,
    TimeSpan ConnectTimeout,
    TimeSpan FrozenAfter,
    ReconnectBackoff Backoff)
{
    public static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(120);

    public static readonly TimeSpan MaxFrozenAfter = TimeSpan.FromMinutes(10);

    public static NetworkSourceOptions For(string name, string url) =>
        new(name, url, RtspTransport.Tcp, null, null, null, 1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), ReconnectBackoff.Default);

    public bool IsRtsp => Url.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || Url.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase);

    /// <param name="path">Where the options came from, for messages (e.g. <c>cameras[2]</c>).</param>
    public void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException($"{path}.name must not be empty");
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || !Url.Contains("://", StringComparison.Ordinal) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"{path}.url must be an absolute URL such as rtsp://host:554/stream, found '{UrlRedactor.Redact(Url)}'");
        if (Url.Any(char.IsControl))
            throw new ArgumentException($"{path}.url must not contain control characters such as line breaks, found '{UrlRedactor.Redact(Url).ReplaceLineEndings(" ")}'");
        if (Width is < 16 || Height is < 16 || (Width is null) != (Height is null))
            throw new ArgumentException($"{path}.width and {path}.height must be given together and be at least 16, found {Width?.ToString() ?? "null"}x{Height?.ToString() ?? "null"}");
        if (FramesPerSecond is <= 0)
            throw new ArgumentException($"{path}.fps must be positive, found {FramesPerSecond}");
        if (Every < 1)
            throw new ArgumentException($"{path}.every must be at least 1, found {Every}");
        // The connect timeout is also ffmpeg's socket timeout: how long a child blocks on a silent camera.
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > MaxConnectTimeout)
            throw new ArgumentException($"{path}.connectTimeoutSeconds must be above 0 and at most {MaxConnectTimeout.TotalSeconds}, found {ConnectTimeout.TotalSeconds}");
        if (FrozenAfter <= TimeSpan.Zero || FrozenAfter > MaxFrozenAfter)
            throw new ArgumentException($"{path}.frozenAfterSeconds must be above 0 and at most {MaxFrozenAfter.TotalSeconds}, found {FrozenAfter.TotalSeconds}");
        Backoff.Validate(path + ".backoff");
    }
}
