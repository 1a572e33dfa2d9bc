namespace StreamLrcn.Hosting;

/// <summary><c>defaults:</c> settings every camera gets unless it overrides them.</summary>
public sealed record CameraDefaults(
    string Transport = "tcp",
    int? Width = null,
    int? Height = null,
    double? Fps = null,
    int Every = 1,
    double ConnectTimeoutSeconds = 10,
    double FrozenAfterSeconds = 5,
    BackoffConfig? Backoff = null,
    double MinConfidence = 0.5,
    double MinDurationSeconds = 1);
