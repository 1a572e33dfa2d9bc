namespace StreamLrcn.Capture;

/// <summary>What a network source reports in a <see cref="StreamStatusChange"/>.</summary>
public enum StreamEventKind
{
    /// <summary>The first frame of a connection arrived.</summary>
    Up,

    /// <summary>ffmpeg failed or ended (refused, not found, closed by the server, connect timeout).</summary>
    Down,

    /// <summary>The watchdog saw no frame for the configured time and killed ffmpeg.</summary>
    Frozen,

    /// <summary>A reconnect attempt starts after the backoff delay.</summary>
    Reconnecting,
}
