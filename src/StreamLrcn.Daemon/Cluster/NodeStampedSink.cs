using StreamLrcn.Hosting;

namespace StreamLrcn.Cluster;

/// <summary>An event sink that hands every event on with <see cref="MonitorEvent.Node"/> set to this node, so consumers of a cluster's events see which node owns a camera. Owns the inner sink.</summary>
internal sealed class NodeStampedSink(IEventSink inner, string node) : IEventSink
{
    public string Name => inner.Name;

    public int QueueCapacity => inner.QueueCapacity;

    public Task StartAsync(CancellationToken cancellation) => inner.StartAsync(cancellation);

    public void Enqueued(MonitorEvent monitorEvent) => inner.Enqueued(Stamp(monitorEvent));

    public Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation) => inner.PublishAsync(Stamp(monitorEvent), cancellation);

    public Task FlushAsync(CancellationToken cancellation) => inner.FlushAsync(cancellation);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private MonitorEvent Stamp(MonitorEvent monitorEvent) => monitorEvent.Node is null ? monitorEvent with { Node = node } : monitorEvent;
}
