using System.Text.Json.Serialization;

namespace StreamLrcn.Hosting;

/// <summary>One camera in <c>/health</c>; in a cluster with the node that owns it (<see cref="Owner"/>, left out when alone).</summary>
public sealed record CameraHealth(
    string Name,
    string State,
    string? Label,
    double? Confidence,
    double? LastFrameAgeSeconds,
    long FramesIn,
    long FramesClassified,
    long FramesDropped,
    long Reconnects,
    string? LastError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Owner = null);
