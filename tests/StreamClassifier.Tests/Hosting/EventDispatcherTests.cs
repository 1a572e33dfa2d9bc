using System.Text.Json;
using StreamLrcn.Capture;
using StreamLrcn.Hosting;
using StreamLrcn.Sinks;
using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Hosting;

/// <summary>
/// The event path on its own: the real events file and the real MQTT sink against a real mosquitto
/// on 127.0.0.1 that is frozen (SIGSTOP), killed and restarted under it.
/// </summary>
public sealed class EventDispatcherTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-events-").FullName;
    private int _sequence;

    private string EventsPath => Path.Combine(_directory, "events.jsonl");

    /// <summary>Events whose JSON differs from every other one (the time counts up), so deliveries can be matched one to one.</summary>
    private MonitorEvent Next(string type, string camera, string? label = null) =>
        new(type, Start.AddSeconds(_sequence++), camera, After: label is null ? null : new LabelSnapshot(label, 0.9, Start, null));

    private string[] FileLines() => MonitorProcess.ReadJsonLines(EventsPath).Select(e => e.GetRawText()).ToArray();

    private static string[] Json(IEnumerable<MonitorEvent> events) => events.Select(EventSerialized).ToArray();

    private static string EventSerialized(MonitorEvent e) => JsonDocument.Parse(EventJson.Serialize(e)).RootElement.GetRawText();

    private EventDispatcher FileAndMqtt(int brokerPort, int queueSize, MonitorMetrics metrics) =>
        new([new JsonLinesEventSink(EventsPath), new MqttEventSink(new MqttConfig("127.0.0.1", brokerPort, Prefix: "t", QueueSize: queueSize))], metrics);

    private static MonitorEvent Sent(List<MonitorEvent> sent, MonitorEvent monitorEvent)
    {
        sent.Add(monitorEvent);
        return monitorEvent;
    }

    [Fact]
    public async Task A_frozen_broker_holds_up_neither_the_events_file_nor_delivery_and_every_event_reaches_MQTT_in_order_after_SIGCONT()
    {
        using var broker = MosquittoBroker.Start();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "t");
        var metrics = new MonitorMetrics();
        var sent = new List<MonitorEvent>();
        await using (var dispatcher = FileAndMqtt(broker.Port, 100, metrics))
        {
            await dispatcher.StartAsync(CancellationToken.None);
            void Publish(MonitorEvent e) => dispatcher.Publish(Sent(sent, e));

            Publish(Next(MonitorEvent.StreamUp, "cam0"));
            Publish(Next(MonitorEvent.Label, "cam0", "wave"));
            await Eventually.True(() => recorder.Latest("t/cam0/label") == "wave", Patience, "the first label on MQTT");

            broker.Freeze();
            var frozenAt = DateTime.UtcNow;
            foreach (var label in new[] { "raise_arms_side", "wave", "raise_arms_front" })
                Publish(Next(MonitorEvent.Label, "cam0", label));
            Publish(Next(MonitorEvent.StreamDown, "cam0"));
            // The file gets every event while the broker is frozen.
            await Eventually.True(() => FileLines().Length == sent.Count, Patience, "every event in the file while the broker is frozen");
            output.WriteLine($"{sent.Count} events in the file {(DateTime.UtcNow - frozenAt).TotalSeconds:0.00} s after SIGSTOP");
            Assert.Equal(Json(sent), FileLines());

            // Long enough for the client's keep-alive and acknowledgement timeouts to give up on the
            // frozen broker and start reconnecting into it (the path that once killed delivery).
            await Task.Delay(TimeSpan.FromSeconds(12));
            Assert.True(metrics.EventSinkFailures.WithLabels("mqtt").Value >= 1, "the frozen broker was noticed as a failure");
            Publish(Next(MonitorEvent.StreamUp, "cam0"));
            Publish(Next(MonitorEvent.Label, "cam0", "raise_arms_side"));
            await Eventually.True(() => FileLines().Length == sent.Count, Patience, "events published after a long freeze in the file");

            broker.Resume();
            var expected = Json(sent);
            await Eventually.True(() => recorder.DistinctPayloadsOf("t/events").Select(p => JsonDocument.Parse(p).RootElement.GetRawText()).SequenceEqual(expected),
                Patience, "every event on t/events, in order, after SIGCONT");
            Assert.Equal(0, metrics.EventsLost.WithLabels("mqtt").Value);
            Assert.Equal(0, metrics.EventsLost.WithLabels("file").Value);
            await Eventually.True(() => recorder.Latest("t/cam0/label") == "raise_arms_side" && recorder.Latest("t/cam0/status") == "up", Patience,
                "the retained topics at the newest state");
        }
        Assert.Equal(sent.Count, FileLines().Length);
    }

    [Fact]
    public async Task A_restarted_broker_gets_availability_status_and_labels_back_without_a_new_event_and_events_beyond_the_queue_are_counted_as_lost()
    {
        using var broker = MosquittoBroker.Start();
        var metrics = new MonitorMetrics();
        const int queueSize = 3, outage = 10;
        var sent = new List<MonitorEvent>();
        string[] delivered;
        await using (var dispatcher = FileAndMqtt(broker.Port, queueSize, metrics))
        {
            await using var before = await MqttRecorder.StartAsync(broker.Port, "t");
            await dispatcher.StartAsync(CancellationToken.None);
            void Publish(MonitorEvent e) => dispatcher.Publish(Sent(sent, e));

            Publish(Next(MonitorEvent.StreamUp, "cam0"));
            Publish(Next(MonitorEvent.Label, "cam0", "wave"));
            Publish(Next(MonitorEvent.StreamUp, "cam1"));
            await Eventually.True(() => before.DistinctPayloadsOf("t/events").Count == 3, Patience, "the first three events on MQTT");

            broker.Kill();
            for (var i = 0; i < outage / 2; i++)
            {
                Publish(Next(MonitorEvent.Label, "cam1", i % 2 == 0 ? "raise_arms_front" : "raise_arms_side"));
                Publish(Next(MonitorEvent.Label, "cam0", i % 2 == 0 ? "raise_arms_side" : "wave"));
            }
            await Eventually.True(() => FileLines().Length == sent.Count, Patience, "every event in the file while the broker is dead");
            // The queue keeps the newest queueSize events and the one being retried; the rest are counted.
            await Eventually.True(() => metrics.EventsLost.WithLabels("mqtt").Value >= outage - queueSize - 1, Patience, "the overflow counted");

            // A fresh broker has no retained message at all: the daemon's reconnect must put them back by itself.
            broker.Restart();
            var restartedAt = DateTime.UtcNow;
            await using var after = await MqttRecorder.StartAsync(broker.Port, "t");
            await Eventually.True(() => after.Latest("t/available") == "online" && after.Latest("t/cam0/status") == "up" && after.Latest("t/cam1/status") == "up"
                && after.Latest("t/cam0/label") == "raise_arms_side" && after.Latest("t/cam1/label") == "raise_arms_front", Patience,
                "available, status and the newest labels back on the restarted broker");
            output.WriteLine($"retained topics back {(DateTime.UtcNow - restartedAt).TotalSeconds:0.00} s after the broker restarted, no new event published");
            await Eventually.True(() => metrics.EventQueueDepth.WithLabels("mqtt").Value == 0, Patience, "the queue drained");
            delivered = before.DistinctPayloadsOf("t/events").Concat(after.DistinctPayloadsOf("t/events")).Distinct().ToArray();
        }

        // Every event is accounted for: delivered or counted as lost, never both, never neither.
        var lost = (int)metrics.EventsLost.WithLabels("mqtt").Value;
        var deliveredCount = (int)metrics.EventsDelivered.WithLabels("mqtt").Value;
        output.WriteLine($"{sent.Count} events: {deliveredCount} delivered, {lost} lost, {delivered.Length} seen by the subscribers");
        Assert.Equal(sent.Count, deliveredCount + lost);
        Assert.InRange(lost, outage - queueSize - 1, outage - queueSize);
        Assert.Subset(Json(sent).ToHashSet(), delivered.Select(p => JsonDocument.Parse(p).RootElement.GetRawText()).ToHashSet());
        Assert.Equal(Json(sent), FileLines());
    }

    [Fact]
    public async Task A_sink_that_throws_is_retried_with_the_same_event_and_never_stops_the_other_sink()
    {
        var metrics = new MonitorMetrics();
        var failing = new FailingSink(failures: 3);
        var sent = Enumerable.Range(0, 5).Select(i => Next(MonitorEvent.Reconnecting, "cam0")).ToArray();
        await using (var dispatcher = new EventDispatcher([failing, new JsonLinesEventSink(EventsPath)], metrics,
            new ReconnectBackoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), 0)))
        {
            await dispatcher.StartAsync(CancellationToken.None);
            foreach (var e in sent)
                dispatcher.Publish(e);
            await Eventually.True(() => FileLines().Length == sent.Length, Patience, "every event in the file");
            await Eventually.True(() => failing.Received.Count == sent.Length, Patience, "every event through the failing sink");
        }
        Assert.Equal(sent, failing.Received);
        Assert.Equal(3, metrics.EventSinkFailures.WithLabels("flaky").Value);
        Assert.Equal(0, metrics.EventsLost.WithLabels("flaky").Value);
        Assert.Equal(sent.Length, metrics.EventsDelivered.WithLabels("flaky").Value);
    }

    /// <summary>A sink whose first deliveries throw (the only fake here: it stands for any output's own bug).</summary>
    private sealed class FailingSink(int failures) : IEventSink
    {
        private int _left = failures;

        public List<MonitorEvent> Received { get; } = [];

        public string Name => "flaky";

        public int QueueCapacity => 100;

        public Task StartAsync(CancellationToken cancellation) => Task.CompletedTask;

        public Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation)
        {
            if (_left-- > 0)
                throw new InvalidOperationException("Not allowed to connect while connect/disconnect is pending.");
            lock (Received)
                Received.Add(monitorEvent);
            return Task.CompletedTask;
        }

        public Task FlushAsync(CancellationToken cancellation) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
