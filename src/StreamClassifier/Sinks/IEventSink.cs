using StreamLrcn.Hosting;

namespace StreamLrcn.Sinks;

/// <summary>A consumer of monitor events, called from one task in event order.</summary>
public interface IEventSink : IAsyncDisposable
{
    Task StartAsync(CancellationToken cancellation);

    /// <summary>Publishes one event. Failures of a remote sink are logged and counted by the sink, not thrown.</summary>
    Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation);

    /// <summary>Makes everything published so far durable (called when the queue runs dry and at stop).</summary>
    Task FlushAsync(CancellationToken cancellation);
}
