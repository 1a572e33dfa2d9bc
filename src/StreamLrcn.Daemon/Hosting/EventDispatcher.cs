using System.Threading.Channels;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Sinks;

namespace StreamLrcn.Hosting;

/// <summary>
/// Hands events from any thread (capture threads, the sink thread) to the event sinks. Each sink
/// has its own bounded queue and its own delivery task, so one output that is down or frozen (an
/// MQTT broker under SIGSTOP) never holds up another (the events file): a failed delivery is
/// logged, counted and retried with backoff until it gets through, and only the stop ends a loop.
/// A producer never blocks: when a sink's queue is full its oldest event is dropped and counted
/// in <c>streamlrcn_events_lost_total{sink}</c>. Owns its sinks.
/// </summary>
public sealed class EventDispatcher : IAsyncDisposable
{
    /// <summary>How long the stop waits for a sink that still fails before counting its queue as lost.</summary>
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(5);

    private readonly SinkLane[] _lanes;
    private readonly TimeProvider _clock;

    public EventDispatcher(IReadOnlyList<IEventSink> sinks, MonitorMetrics metrics, ReconnectBackoff? retry = null, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _lanes = sinks.Select(s => new SinkLane(s, metrics, retry ?? RetryDefault, _clock)).ToArray();
    }

    private static ReconnectBackoff RetryDefault { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), 0.2);

    public async Task StartAsync(CancellationToken cancellation)
    {
        foreach (var lane in _lanes)
            await lane.Sink.StartAsync(cancellation);
        foreach (var lane in _lanes)
            lane.Start();
    }

    /// <summary>Queues the event for every sink; never blocks and never throws.</summary>
    public void Publish(MonitorEvent monitorEvent)
    {
        foreach (var lane in _lanes)
            lane.Enqueue(monitorEvent);
    }

    /// <summary>Delivers what every sink can take within a few seconds, counts the rest as lost, and closes the sinks.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes)
            lane.Complete();
        using var deadline = new CancellationTokenSource(DrainDeadline, _clock);
        try
        {
            await Task.WhenAll(_lanes.Select(l => l.DrainAsync(deadline.Token)));
        }
        finally
        {
            foreach (var lane in _lanes)
                await lane.Sink.DisposeAsync();
        }
    }

    /// <summary>One sink's queue and delivery loop.</summary>
    private sealed class SinkLane
    {
        private readonly Channel<MonitorEvent> _queue;
        private readonly MonitorMetrics _metrics;
        private readonly ReconnectBackoff _retry;
        private readonly TimeProvider _clock;
        private readonly Random _jitter = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public SinkLane(IEventSink sink, MonitorMetrics metrics, ReconnectBackoff retry, TimeProvider clock)
        {
            (Sink, _metrics, _retry, _clock) = (sink, metrics, retry, clock);
            _queue = Channel.CreateBounded<MonitorEvent>(
                new BoundedChannelOptions(sink.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
                dropped =>
                {
                    metrics.EventsLost.WithLabels(sink.Name).Inc();
                    Log.Warning("Event queue of {Sink} full: {Type} event for {Camera} at {Time} dropped", sink.Name, dropped.Type, dropped.Camera, dropped.Time);
                });
            metrics.EventsLost.WithLabels(sink.Name).IncTo(0);
            metrics.EventsDelivered.WithLabels(sink.Name).IncTo(0);
            metrics.EventSinkFailures.WithLabels(sink.Name).IncTo(0);
        }

        public IEventSink Sink { get; }

        public void Start() => _loop = Task.Run(RunAsync, CancellationToken.None);

        public void Enqueue(MonitorEvent monitorEvent)
        {
            Sink.Enqueued(monitorEvent);
            if (_queue.Writer.TryWrite(monitorEvent))
                _metrics.EventQueueDepth.WithLabels(Sink.Name).Set(_queue.Reader.Count);
            else
            {
                // Only after the stop: the queue is complete and this event cannot be delivered.
                _metrics.EventsLost.WithLabels(Sink.Name).Inc();
                Log.Warning("{Type} event for {Camera} published after the {Sink} queue closed: lost", monitorEvent.Type, monitorEvent.Camera, Sink.Name);
            }
        }

        public void Complete() => _queue.Writer.TryComplete();

        public async Task DrainAsync(CancellationToken deadline)
        {
            // The registration ends before _stop is disposed below, so a late deadline cannot cancel a disposed source.
            await using (deadline.Register(_stop.Cancel))
                await _loop;
            var left = 0;
            while (_queue.Reader.TryRead(out _))
                left++;
            if (left > 0)
            {
                _metrics.EventsLost.WithLabels(Sink.Name).Inc(left);
                Log.Error("{Sink}: {Count} events could not be delivered before the stop", Sink.Name, left);
            }
            _stop.Dispose();
        }

        /// <summary>Ends when the queue is completed and empty, or when the stop's deadline passes.</summary>
        private async Task RunAsync()
        {
            var failures = 0;
            try
            {
                while (await _queue.Reader.WaitToReadAsync(_stop.Token))
                {
                    // Taken out of the queue before delivery: the queue's drop-oldest can then never
                    // evict the event being retried and mistake a later one for it.
                    while (_queue.Reader.TryRead(out var monitorEvent))
                    {
                        _metrics.EventQueueDepth.WithLabels(Sink.Name).Set(_queue.Reader.Count);
                        failures = await DeliverAsync(monitorEvent, failures);
                    }
                    failures = await FlushAsync(failures);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The stop's deadline: DrainAsync counts what is left.
            }
        }

        private async Task<int> DeliverAsync(MonitorEvent monitorEvent, int failures)
        {
            while (true)
            {
                try
                {
                    await Sink.PublishAsync(monitorEvent, _stop.Token);
                    _metrics.EventsDelivered.WithLabels(Sink.Name).Inc();
                    return Recovered(failures);
                }
                catch (Exception ex) when (!_stop.IsCancellationRequested)
                {
                    // Whatever a sink throws, this loop must survive it (the daemon runs for weeks).
                    failures = await FailedAsync(ex, failures, "deliver");
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    _metrics.EventsLost.WithLabels(Sink.Name).Inc();
                    throw new OperationCanceledException(_stop.Token);
                }
            }
        }

        private async Task<int> FlushAsync(int failures)
        {
            while (true)
            {
                try
                {
                    await Sink.FlushAsync(_stop.Token);
                    return Recovered(failures);
                }
                catch (Exception ex) when (!_stop.IsCancellationRequested)
                {
                    failures = await FailedAsync(ex, failures, "flush");
                }
            }
        }

        private async Task<int> FailedAsync(Exception ex, int failures, string what)
        {
            failures++;
            _metrics.EventSinkFailures.WithLabels(Sink.Name).Inc();
            var delay = _retry.DelayFor(failures, _jitter);
            // The first failure of an outage is a warning with the reason; the retries are counted, not logged.
            if (failures == 1)
                Log.Warning("Events to {Sink}: could not {What} ({Reason}); {Queued} queued, retrying every {Max} s at most",
                    Sink.Name, what, ex.Message, _queue.Reader.Count + 1, _retry.Max.TotalSeconds);
            await Task.Delay(delay, _clock, _stop.Token);
            return failures;
        }

        private int Recovered(int failures)
        {
            if (failures > 0)
                Log.Information("Events to {Sink}: delivering again after {Failures} failed attempts", Sink.Name, failures);
            return 0;
        }
    }
}
