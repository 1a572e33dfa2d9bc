using StreamLrcn.Capture;

namespace StreamLrcn.Hosting;

/// <summary>A camera's resolved settings: its config entry merged over the defaults, validated.</summary>
public sealed record CameraSettings(NetworkSourceOptions Source, HysteresisOptions Events);
