namespace StreamLrcn.Cluster;

/// <summary>
/// Asks the camera's entity for its <see cref="Hosting.CameraHealth"/> with its owner. Sent to every
/// camera every second by every node for the cluster view; like any message through the shard
/// region, it also starts a camera that is running nowhere.
/// </summary>
public sealed record GetCameraHealth(string Camera) : CameraCommand(Camera);
