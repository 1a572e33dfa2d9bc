namespace StreamLrcn.Hosting;

/// <summary>
/// One line of the events file and one message on <c>&lt;prefix&gt;/events</c>. <see cref="Type"/> is one of
/// <c>daemon_started</c>, <c>daemon_stopped</c>, <c>label</c> (with <see cref="Before"/>/<see cref="After"/>),
/// <c>stream_up</c>, <c>stream_down</c>, <c>stream_frozen</c> (with <see cref="Reason"/>) and <c>reconnecting</c>.
/// Fields that do not apply are left out. In a cluster, <see cref="Node"/> is the node that owns the
/// camera (that wrote the event), and the first label event after a camera starts on a node says
/// why its GRU state started from zero in <see cref="Reset"/>.
/// </summary>
public sealed record MonitorEvent(
    string Type,
    DateTimeOffset Time,
    string? Camera = null,
    LabelSnapshot? Before = null,
    LabelSnapshot? After = null,
    string? Reason = null,
    int? Attempt = null,
    double? RetryInSeconds = null,
    double? DownForSeconds = null,
    double? LatencyMs = null,
    string? Node = null,
    string? Reset = null)
{
    public const string DaemonStarted = "daemon_started";
    public const string DaemonStopped = "daemon_stopped";
    public const string Label = "label";
    public const string StreamUp = "stream_up";
    public const string StreamDown = "stream_down";
    public const string StreamFrozen = "stream_frozen";
    public const string Reconnecting = "reconnecting";

    /// <summary>In a cluster: the camera now runs on this node (its GRU state starts from zero).</summary>
    public const string CameraAcquired = "camera_acquired";

    /// <summary>In a cluster: the camera left this node (handed off; its ffmpeg has exited).</summary>
    public const string CameraReleased = "camera_released";
}
