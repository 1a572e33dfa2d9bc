using StreamLrcn.Hosting;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cluster;

/// <summary>The MQTT output of a node whose camera moved to another node, with a real mosquitto.</summary>
public sealed class ReleasedCameraMqttTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-released-").FullName;

    private static MonitorEvent Event(string type, string camera, string? label = null) =>
        new(type, DateTimeOffset.UtcNow, camera, After: label is null ? null : new LabelSnapshot(label, 0.9, DateTimeOffset.UtcNow, null), Node: "127.0.0.1:4053");

    [Fact]
    public async Task A_released_camera_is_not_republished_by_its_old_owner_when_the_broker_comes_back()
    {
        using var broker = MosquittoBroker.Start();
        await using var before = await MqttRecorder.StartAsync(broker.Port, "t");
        var metrics = new MonitorMetrics("127.0.0.1:4053");
        await using var dispatcher = new EventDispatcher(
            [new JsonLinesEventSink(Path.Combine(_directory, "events.jsonl")), new MqttEventSink(new MqttConfig("127.0.0.1", broker.Port, Prefix: "t"))], metrics);
        await dispatcher.StartAsync(CancellationToken.None);
        foreach (var camera in new[] { "cam0", "cam1" })
        {
            dispatcher.Publish(Event(MonitorEvent.StreamUp, camera));
            dispatcher.Publish(Event(MonitorEvent.Label, camera, "wave"));
        }
        await Eventually.True(() => before.Latest("t/cam0/label") == "wave" && before.Latest("t/cam1/label") == "wave", Patience, "both cameras' labels");
        dispatcher.Publish(Event(MonitorEvent.CameraReleased, "cam0"));
        await Eventually.True(() => before.PayloadsOf("t/events").Any(p => p.Contains("camera_released", StringComparison.Ordinal)), Patience, "the release event");

        // A broker without its retained messages: the node puts back what is still its own, and only that.
        broker.Kill();
        broker.Restart();
        await using var after = await MqttRecorder.StartAsync(broker.Port, "t");
        await Eventually.True(() => after.Latest("t/cam1/label") == "wave" && after.Latest("t/cam1/status") == "up", Patience, "the kept camera's topics republished");
        // Deliveries follow the reconnect's republishing: once this event is through, nothing more is republished.
        dispatcher.Publish(Event(MonitorEvent.StreamUp, "cam2"));
        await Eventually.True(() => after.Latest("t/cam2/status") == "up", Patience, "an event after the reconnect");
        Assert.Empty(after.PayloadsOf("t/cam0/label"));
        Assert.Empty(after.PayloadsOf("t/cam0/status"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
