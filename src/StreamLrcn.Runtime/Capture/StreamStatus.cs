namespace StreamLrcn.Capture;

/// <summary>Where a network stream stands.</summary>
public enum StreamStatus
{
    /// <summary>Not yet connected since the daemon started.</summary>
    Starting,

    /// <summary>Frames are arriving.</summary>
    Up,

    /// <summary>The connection failed, closed or froze; reconnect attempts are under way.</summary>
    Down,
}
