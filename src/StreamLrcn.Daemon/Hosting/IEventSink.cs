
namespace StreamLrcn.Hosting;

/// <summary>
/// A consumer of monitor events. The <see cref="EventDispatcher"/> gives each sink its own queue and
/// delivery task, so a sink that fails or hangs never holds up another: <see cref="PublishAsync"/>
/// throws when the event did not get through, and the dispatcher logs, counts, backs off and
/// delivers the same event again.
/// </summary>
public interface IEventSink : IAsyncDisposable
{
    /// <summary>Short name for logs and metrics (<c>file</c>, <c>mqtt</c>).</summary>
    string Name { get; }

    /// <summary>How many undelivered events the dispatcher keeps for this sink; beyond it the oldest are dropped and counted.</summary>
    int QueueCapacity { get; }

    /// <summary>Opens the sink. A local sink that cannot open throws; a remote one connects in the background and never throws.</summary>
    Task StartAsync(CancellationToken cancellation);

    /// <summary>
    /// Called on the publishing thread as an event is queued, before it is delivered, so a sink can
    /// keep the latest state (MQTT's retained topics) ahead of a backlog. Must not block.
    /// </summary>
    void Enqueued(MonitorEvent monitorEvent)
    {
    }

    /// <summary>Delivers one event, in event order; throws when it did not get through.</summary>
    Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation);

    /// <summary>Makes everything published so far durable (called when the queue runs dry and at stop); throws when it could not.</summary>
    Task FlushAsync(CancellationToken cancellation);
}
