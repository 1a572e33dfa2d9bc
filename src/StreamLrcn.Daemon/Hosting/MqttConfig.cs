namespace StreamLrcn.Hosting;

/// <summary>
/// <c>outputs.mqtt:</c> the broker events are published to, and the topic prefix (Frigate style:
/// <c>&lt;prefix&gt;/&lt;camera&gt;/label</c>, <c>&lt;prefix&gt;/events</c>, <c>&lt;prefix&gt;/available</c>).
/// <c>queueSize</c> events are kept while the broker is unreachable (the oldest beyond it are dropped
/// and counted); <c>backoff</c> spaces the reconnect attempts.
/// </summary>
public sealed record MqttConfig(
    string Host,
    int Port = 1883,
    string Prefix = "streamlrcn",
    string ClientId = "streamlrcn-monitor",
    string? Username = null,
    string? Password = null,
    int QueueSize = 10000,
    BackoffConfig? Backoff = null)
{
    public BackoffConfig BackoffOrDefault => Backoff ?? new BackoffConfig(InitialSeconds: 0.5, MaxSeconds: 5);
}
