using Akka.Actor;

namespace StreamLrcn.Cluster;

/// <summary>
/// The sharded entity of one camera, living on the node that owns the camera. Starting it attaches
/// the camera's ffmpeg source to this node's pipeline (<see cref="ClusterNode.Acquire"/>); the
/// hand-off (<see cref="StopCamera"/>) detaches it and stops the entity once ffmpeg has exited.
/// </summary>
internal sealed class CameraEntity : ReceiveActor
{
    private readonly string _camera;
    private readonly ClusterNode _node;
    private bool _released;

    public CameraEntity(string camera, ClusterNode node)
    {
        (_camera, _node) = (camera, node);
        Receive<GetCameraHealth>(_ => Sender.Tell(_node.LocalHealth(_camera)));
        Receive<StopCamera>(_ =>
        {
            Become(Stopping);
            _node.ReleaseAsync(_camera, "handed off").PipeTo(Self, success: () => Released.Instance, failure: _ => Released.Instance);
        });
    }

    public static Props Props(string camera, ClusterNode node) => Akka.Actor.Props.Create(() => new CameraEntity(camera, node));

    protected override void PreStart() => _node.Acquire(_camera);

    protected override void PostStop()
    {
        // Stopped without a hand-off (the actor system is going away): the pipeline's own stop ends
        // ffmpeg as well; this releases the slot for the record.
        if (!_released)
            _ = _node.ReleaseAsync(_camera, "stopped");
    }

    private void Stopping()
    {
        Receive<GetCameraHealth>(_ => Sender.Tell(_node.LocalHealth(_camera) with { State = "moving" }));
        Receive<Released>(_ =>
        {
            _released = true;
            Context.Stop(Self);
        });
    }

    private sealed record Released
    {
        public static Released Instance { get; } = new();
    }
}
