using StreamLrcn.Sinks;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// The event database as one more output of the <see cref="EventDispatcher"/> (its own queue and
/// retries, like the file and MQTT): every event becomes a row; a label event also ends the
/// camera's previous label stretch, and a camera going down or frozen ends its current one. The
/// media name of a label event comes from <see cref="FrameRecorder"/>, which saw the event's frame.
/// </summary>
public sealed class EventStoreSink(EventStore store, FrameRecorder recorder) : IEventSink
{
    public string Name => "database";

    public int QueueCapacity => 4096;

    public Task StartAsync(CancellationToken cancellation) => Task.CompletedTask;

    public Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation)
    {
        switch (monitorEvent.Type)
        {
            case MonitorEvent.Label when monitorEvent.After is { } after:
                store.EndOpenLabels(monitorEvent.Camera, after.StartTime);
                var capture = recorder.PeekCapture(monitorEvent.Camera!, monitorEvent.Time);
                store.Insert(new EventRecord(0, monitorEvent.Camera, monitorEvent.Type, after.Label, monitorEvent.Before?.Label, after.Score,
                    after.StartTime, null, null, capture?.Media, capture?.Frame, false));
                // Forgotten only once the row is in: a failed insert is retried with the same media.
                recorder.ForgetCapture(monitorEvent.Camera!, monitorEvent.Time);
                return Task.CompletedTask;
            case MonitorEvent.StreamDown or MonitorEvent.StreamFrozen:
                store.EndOpenLabels(monitorEvent.Camera, monitorEvent.Time);
                break;
            case MonitorEvent.DaemonStarted or MonitorEvent.DaemonStopped:
                store.EndOpenLabels(null, monitorEvent.Time);
                break;
        }
        store.Insert(new EventRecord(0, monitorEvent.Camera, monitorEvent.Type, null, null, null, monitorEvent.Time, null, monitorEvent.Reason, null, null, false));
        return Task.CompletedTask;
    }

    public Task FlushAsync(CancellationToken cancellation) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
