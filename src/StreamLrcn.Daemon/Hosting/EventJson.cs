using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamLrcn.Hosting;

/// <summary>The one JSON form of <see cref="MonitorEvent"/>, shared by the file and MQTT: snake_case like Frigate, nulls left out.</summary>
public static class EventJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public static string Serialize(MonitorEvent monitorEvent) => JsonSerializer.Serialize(monitorEvent, Options);
}
