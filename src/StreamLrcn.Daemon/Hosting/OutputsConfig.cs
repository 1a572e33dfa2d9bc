namespace StreamLrcn.Hosting;

/// <summary><c>outputs:</c> the events file (JSON lines), an optional per-frame labels file, the rolling log file and MQTT.</summary>
public sealed record OutputsConfig(
    string Events = "events.jsonl",
    string? Labels = null,
    string? Log = null,
    MqttConfig? Mqtt = null);
