namespace StreamLrcn.Cluster;

/// <summary>
/// The shard's hand-off message: the entity stops the camera's ffmpeg, waits until it has exited,
/// and only then stops itself, so the shard starts the camera elsewhere after the old reader is gone.
/// </summary>
public sealed record StopCamera
{
    public static StopCamera Instance { get; } = new();
}
