namespace StreamLrcn.Hosting;

/// <summary>
/// One entry of <c>cameras:</c>: a name (used in topics and outputs), a URL, and overrides of <see cref="CameraDefaults"/>.
/// In a cluster, <see cref="Role"/> restricts the camera to nodes with that role (<c>gpu</c>).
/// </summary>
public sealed record CameraConfig(
    string Name,
    string Url,
    string? Transport = null,
    int? Width = null,
    int? Height = null,
    double? Fps = null,
    int? Every = null,
    double? ConnectTimeoutSeconds = null,
    double? FrozenAfterSeconds = null,
    BackoffConfig? Backoff = null,
    double? MinConfidence = null,
    double? MinDurationSeconds = null,
    double? PreCaptureSeconds = null,
    double? PostCaptureSeconds = null,
    string? Role = null);
