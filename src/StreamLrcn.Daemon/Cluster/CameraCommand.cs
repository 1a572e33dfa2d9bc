namespace StreamLrcn.Cluster;

/// <summary>A message for one camera's entity, routed by the shard region to the node that owns the camera.</summary>
public abstract record CameraCommand(string Camera);
