using StreamLrcn.Capture;

namespace StreamLrcn.Hosting;

/// <summary>A camera's resolved settings: its config entry merged over the defaults, validated. <paramref name="Role"/>: in a cluster, only nodes with this role run it.</summary>
public sealed record CameraSettings(NetworkSourceOptions Source, HysteresisOptions Events, string? Role = null);
