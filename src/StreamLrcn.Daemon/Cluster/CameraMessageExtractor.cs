using Akka.Cluster.Sharding;

namespace StreamLrcn.Cluster;

/// <summary>
/// One shard per camera (the shard id is the camera name): the allocation strategy then spreads and
/// moves single cameras, not buckets of them.
/// </summary>
internal sealed class CameraMessageExtractor : IMessageExtractor
{
    // Sharding's own messages (StartEntity for remembered cameras) are handled by Akka before this.
    public string? EntityId(object message) => message is CameraCommand command ? command.Camera : null;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
