namespace StreamLrcn.Hosting;

/// <summary><c>outputs.mqtt:</c> the broker events are published to, and the topic prefix (Frigate style: <c>&lt;prefix&gt;/&lt;camera&gt;/label</c>, <c>&lt;prefix&gt;/events</c>, <c>&lt;prefix&gt;/available</c>).</summary>
public sealed record MqttConfig(
    string Host,
    int Port = 1883,
    string Prefix = "streamlrcn",
    string ClientId = "streamlrcn-monitor",
    string? Username = null,
    string? Password = null);
