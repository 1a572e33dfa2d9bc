using StreamLrcn.Capture;

namespace StreamLrcn.Hosting;

/// <summary>
/// What <see cref="MonitorService"/> needs from the cluster its daemon is a node of (the
/// implementation, on Akka.NET Cluster.Sharding, is the <c>ClusterNode</c> of the Cluster folder): sources
/// that run a camera only while the cluster gives it to this node, the cluster's view of every
/// camera, and joining and leaving around the pipeline's run.
/// </summary>
public interface IMonitorCluster
{
    /// <summary>This node's name in events, <c>/health</c> and metrics.</summary>
    string NodeName { get; }

    /// <summary>One source per configured camera, in config order; the pipeline takes and disposes them.</summary>
    IReadOnlyList<ILiveSource> Sources { get; }

    /// <summary>Every camera of the cluster with its owner and state.</summary>
    IReadOnlyList<CameraHealth> Health();

    /// <summary>The event sinks, each event stamped with this node's name.</summary>
    IReadOnlyList<IEventSink> Stamp(IEnumerable<IEventSink> sinks);

    /// <summary>Joins the cluster; cameras start on this node as the cluster assigns them.</summary>
    /// <param name="removed">Called when the cluster removed this node against its will.</param>
    void Start(EventDispatcher events, MonitorMetrics metrics, Func<IReadOnlyList<CameraHealth>> localHealth, Action removed);

    /// <summary>Leaves the cluster: this node's cameras are handed over to the others.</summary>
    Task LeaveAsync();
}
