using Akka.Cluster.Sharding;

namespace StreamLrcn.Cluster;

/// <summary>
/// One shard per camera (the shard id is the camera name): the allocation strategy then spreads and
/// moves single cameras, not buckets of them.
/// </summary>
internal sealed class CameraMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        CameraCommand command => command.Camera,
        ShardRegion.StartEntity start => start.EntityId,
        _ => null,
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
