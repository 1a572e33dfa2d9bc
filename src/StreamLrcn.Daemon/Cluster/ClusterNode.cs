using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Management.Cluster.Bootstrap;
using Prometheus;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Hosting;

namespace StreamLrcn.Cluster;

/// <summary>
/// This daemon as one node of a cluster of monitors (Akka.NET Cluster.Sharding). Every configured
/// camera has a <see cref="CameraSlot"/> in this node's pipeline; the cluster decides which node
/// owns each camera by starting its <see cref="CameraEntity"/> there, which attaches the camera's
/// ffmpeg source to the slot. Remembered entities restart the cameras of a downed node on the
/// survivors; a hand-off (rebalance, a node leaving) stops ffmpeg before the camera starts elsewhere.
/// <para>
/// Created by the command line with the config, started by <see cref="MonitorService"/> once the
/// model is loaded (the node then joins), and left (<see cref="LeaveAsync"/>) when the daemon stops.
/// The slots are the pipeline's sources, and the pipeline disposes them when its run ends.
/// Every second it asks every camera's owner for its health: that is the cluster view of
/// <c>/health</c>, and it also starts any camera that is running nowhere.
/// </para>
/// </summary>
public sealed class ClusterNode : IMonitorCluster
{
    private static readonly TimeSpan ViewInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    private readonly ClusterConfig _config;
    private readonly Dictionary<string, CameraSlot> _slots;
    private readonly CancellationTokenSource _stop = new();
    private volatile IReadOnlyList<CameraHealth> _view;
    private ActorSystem? _system;
    private ManagementEndpoint? _management;
    private readonly Dictionary<string, string?> _roles;
    private Dictionary<string, IActorRef> _regions = [];
    private Task _viewLoop = Task.CompletedTask;
    private EventDispatcher? _events;
    private MonitorMetrics? _metrics;
    private Gauge? _owned;
    private Func<IReadOnlyList<CameraHealth>> _localHealth = () => [];

    public ClusterNode(ClusterConfig config, IReadOnlyList<CameraSettings> cameras)
    {
        _config = config;
        Slots = cameras.Select(c => new CameraSlot(c.Source)).ToArray();
        _slots = Slots.ToDictionary(s => s.Name, StringComparer.Ordinal);
        _roles = cameras.ToDictionary(c => c.Source.Name, c => c.Role, StringComparer.Ordinal);
        _view = Slots.Select(s => Unassigned(s.Name)).ToArray();
    }

    /// <summary>This node's name in events, <c>/health</c> and metrics.</summary>
    public string NodeName => _config.NodeName;

    /// <summary>One slot per configured camera, in config order: the pipeline's sources.</summary>
    public IReadOnlyList<CameraSlot> Slots { get; }

    IReadOnlyList<ILiveSource> IMonitorCluster.Sources => Slots;

    /// <summary>Every camera of the cluster with its owner and state, as of the last round of asking (at most a few seconds old).</summary>
    public IReadOnlyList<CameraHealth> Health() => _view;

    /// <summary>The event sinks with every event stamped with this node's name.</summary>
    public IReadOnlyList<IEventSink> Stamp(IEnumerable<IEventSink> sinks) => sinks.Select(s => (IEventSink)new NodeStampedSink(s, NodeName)).ToArray();

    /// <summary>Starts the actor system, joins the cluster (through the seeds, or Cluster Bootstrap with discovery) and starts the camera region.</summary>
    /// <param name="localHealth">This node's own view of its cameras (the daemon's camera board).</param>
    /// <param name="removed">
    /// Called when the cluster removed this node against its will (the split-brain resolver downed it
    /// after it was unreachable): it runs no camera any more, so the daemon stops with a failure and
    /// its supervisor (systemd, Kubernetes) starts it again as a new member.
    /// </param>
    public void Start(EventDispatcher events, MonitorMetrics metrics, Func<IReadOnlyList<CameraHealth>> localHealth, Action removed)
    {
        (_events, _metrics, _localHealth) = (events, metrics, localHealth);
        _owned = Prometheus.Metrics.WithCustomRegistry(metrics.Registry)
            .CreateGauge("streamlrcn_camera_owned", "1 while this node owns the camera (runs its ffmpeg and labels it), 0 otherwise.", "camera");
        foreach (var slot in Slots)
            _owned.WithLabels(slot.Name).Set(slot.Owned ? 1 : 0);
        Directory.CreateDirectory(_config.DataFolder);
        var system = ActorSystem.Create(_config.Name, ConfigurationFactory.ParseString(ClusterHocon.Build(_config)));
        _system = system;
        var sharding = ClusterSharding.Get(system);
        var settings = ClusterShardingSettings.Create(system);
        var ownRoles = (_config.Roles ?? []).ToHashSet(StringComparer.Ordinal);
        // One region for the cameras any node may run, one per role for the cameras restricted to
        // it: hosted on the nodes with the role, reached through a proxy from the others.
        var regions = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        foreach (var role in _roles.Values.Distinct())
        {
            var typeName = TypeName(role);
            regions[typeName] = role is null || ownRoles.Contains(role)
                ? sharding.Start(typeName, camera => CameraEntity.Props(camera, this), role is null ? settings : settings.WithRole(role), new CameraMessageExtractor(),
                    sharding.DefaultShardAllocationStrategy(settings), StopCamera.Instance)
                : sharding.StartProxy(typeName, role, new CameraMessageExtractor());
        }
        _regions = regions;
        if (_config.Discovery is { } discovery)
        {
            _management = ManagementEndpoint.Start(system, _config.BindHost ?? _config.Host, discovery.ManagementPort);
            Log.Information("Cluster node {Node} of {Cluster} joining through Cluster Bootstrap, contact points {ContactPoints}; remembered cameras in {Folder}",
                NodeName, _config.Name, string.Join(", ", discovery.ContactPoints ?? []), _config.DataFolder);
            ClusterBootstrap.Get(system).Start().ContinueWith(t => Log.Error(t.Exception!.GetBaseException(), "Cluster Bootstrap did not start; this node joins no cluster"),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        else
            Log.Information("Cluster node {Node} of {Cluster} joining through {Seeds}; remembered cameras in {Folder}",
                NodeName, _config.Name, string.Join(", ", _config.Seeds ?? []), _config.DataFolder);
        _viewLoop = Task.Run(() => RefreshViewAsync(_stop.Token), CancellationToken.None);
        system.WhenTerminated.ContinueWith(_ =>
        {
            // Not a leave this daemon started (LeaveAsync, or the process's exit signal): the cluster
            // downed this node (it was unreachable for too long, or on the minority side).
            var reason = CoordinatedShutdown.Get(system).ShutdownReason;
            if (!_stop.IsCancellationRequested && reason is not CoordinatedShutdown.ClrExitReason)
            {
                Log.Error("Cluster node {Node} was removed from the cluster ({Reason}); its cameras run elsewhere, stopping", NodeName, reason?.GetType().Name ?? "actor system ended");
                removed();
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Leaves the cluster: the shards on this node are handed off (their ffmpeg stopped first) and
    /// start on the other nodes; then the actor system ends.
    /// </summary>
    public async Task LeaveAsync()
    {
        await _stop.CancelAsync();
        await _viewLoop;
        if (_system is null)
            return;
        Log.Information("Cluster node {Node} leaving; its cameras move to the other nodes", NodeName);
        await CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        _system = null;
        if (_management is not null)
            await _management.DisposeAsync();
        _management = null;
    }

    /// <summary>Called by the camera's entity as it starts on this node.</summary>
    internal void Acquire(string camera)
    {
        if (!_slots[camera].Attach())
            return;
        _owned?.WithLabels(camera).Set(1);
        Log.Information("Camera {Camera} now runs on this node ({Node}); its GRU state starts from zero", camera, NodeName);
        _events?.Publish(new MonitorEvent(MonitorEvent.CameraAcquired, DateTimeOffset.UtcNow, camera, Reason: "owned by this node; GRU state reset"));
    }

    /// <summary>Called by the camera's entity on hand-off: completes once the camera's ffmpeg has exited.</summary>
    internal async Task ReleaseAsync(string camera, string reason)
    {
        var slot = _slots[camera];
        if (!slot.Owned)
            return;
        await slot.DetachAsync();
        _metrics?.StreamUp.WithLabels(camera).Set(0);
        _owned?.WithLabels(camera).Set(0);
        Log.Information("Camera {Camera} released by this node ({Node}): {Reason}", camera, NodeName, reason);
        _events?.Publish(new MonitorEvent(MonitorEvent.CameraReleased, DateTimeOffset.UtcNow, camera, Reason: reason));
    }

    /// <summary>The camera as this node, its owner, sees it.</summary>
    internal CameraHealth LocalHealth(string camera) =>
        (_localHealth().FirstOrDefault(h => h.Name == camera) ?? Unassigned(camera)) with { Owner = NodeName };

    private static string TypeName(string? role) => role is null ? ClusterHocon.CameraTypeName : $"{ClusterHocon.CameraTypeName}-{role}";

    private static CameraHealth Unassigned(string camera) => new(camera, "unassigned", null, null, null, 0, 0, 0, 0, null);

    private async Task RefreshViewAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var asks = Slots.Select(async slot =>
            {
                try
                {
                    return await _regions[TypeName(_roles[slot.Name])].Ask<CameraHealth>(new GetCameraHealth(slot.Name), AskTimeout, stop);
                }
                catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException or OperationCanceledException)
                {
                    // No owner answered in time: the camera is moving (its node is being downed, a hand-off is under way).
                    return Unassigned(slot.Name);
                }
            }).ToArray();
            _view = await Task.WhenAll(asks);
            try
            {
                await Task.Delay(ViewInterval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
