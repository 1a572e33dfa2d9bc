using System.Threading.Channels;
using Serilog;
using StreamLrcn.Sinks;

namespace StreamLrcn.Hosting;

/// <summary>
/// Hands events from any thread (capture threads, the sink thread) to the event sinks, in order,
/// on one task. The queue is bounded and never blocks a producer: an event that does not fit is
/// counted and logged (with 4096 places and events only on changes, that means the sinks are stuck).
/// Owns its sinks.
/// </summary>
public sealed class EventDispatcher(IReadOnlyList<IEventSink> sinks, Action onLost) : IAsyncDisposable
{
    private readonly Channel<MonitorEvent> _queue = Channel.CreateBounded<MonitorEvent>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = false });
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellation)
    {
        foreach (var sink in sinks)
            await sink.StartAsync(cancellation);
        // The loop ends when the queue is completed, not on cancellation, so the last events (the
        // stop itself) are written after the daemon was asked to stop.
        _loop = Task.Run(() => RunAsync(CancellationToken.None), CancellationToken.None);
    }

    public void Publish(MonitorEvent monitorEvent)
    {
        if (_queue.Writer.TryWrite(monitorEvent))
            return;
        onLost();
        Log.Error("Event queue full: {Type} event for {Camera} lost", monitorEvent.Type, monitorEvent.Camera);
    }

    private async Task RunAsync(CancellationToken cancellation)
    {
        while (await _queue.Reader.WaitToReadAsync(cancellation))
        {
            while (_queue.Reader.TryRead(out var monitorEvent))
                foreach (var sink in sinks)
                    await sink.PublishAsync(monitorEvent, cancellation);
            foreach (var sink in sinks)
                await sink.FlushAsync(cancellation);
        }
    }

    /// <summary>Writes every queued event, flushes and closes the sinks.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            if (_loop is not null)
                await _loop;
        }
        finally
        {
            foreach (var sink in sinks)
                await sink.DisposeAsync();
        }
    }
}
