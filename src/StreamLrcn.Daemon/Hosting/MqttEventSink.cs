using MQTTnet;

namespace StreamLrcn.Hosting;

/// <summary>
/// Publishes events to an MQTT broker in the topic layout Frigate users know:
/// <list type="bullet">
/// <item><c>&lt;prefix&gt;/available</c>: <c>online</c> / <c>offline</c>, retained; the broker publishes <c>offline</c> itself (last will) if the daemon dies.
/// A cluster node says it on <c>&lt;prefix&gt;/nodes/&lt;node&gt;/available</c> instead, and <see cref="MqttClusterAvailability"/> keeps <c>&lt;prefix&gt;/available</c> for the cluster.</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/label</c>: the camera's current label, retained; cleared (an empty retained message) while the camera is down.</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/status</c>: <c>up</c> / <c>down</c>, retained.</item>
/// <item><c>&lt;prefix&gt;/events</c>: every event as JSON (label changes carry <c>before</c>/<c>after</c>).</item>
/// </list>
/// An <see cref="MqttConnection"/> keeps the connection: it reconnects with backoff whether or not
/// events arrive, and on every (re)connect publishes availability and every camera's current status
/// and label, so a restarted broker has its retained topics back at once. The retained topics always
/// carry the newest state seen by <see cref="Enqueued"/>, so replaying a backlog after an outage
/// never moves them back in time. A publish that the broker does not acknowledge in time (a
/// frozen broker) drops the connection and throws; the dispatcher keeps the event and retries.
/// </summary>
public sealed class MqttEventSink : IEventSink
{
    private readonly MqttConfig _config;
    private readonly MqttConnection _connection;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CameraTopics> _cameras = new(StringComparer.Ordinal);

    /// <param name="node">This node's name in a cluster (its availability topic), null when the daemon runs alone.</param>
    public MqttEventSink(MqttConfig config, string? node = null)
    {
        _config = config;
        _connection = new MqttConnection(config, config.ClientId, node is null ? $"{config.Prefix}/available" : $"{config.Prefix}/nodes/{node}/available", RepublishAsync);
    }

    public string Name => "mqtt";

    public int QueueCapacity => _config.QueueSize;

    /// <summary>Where this daemon (or node) says <c>online</c>, and its last will <c>offline</c>.</summary>
    public string Available => _connection.AvailabilityTopic;

    /// <summary>Whether a connection to the broker is up (for the <c>streamlrcn_mqtt_connected</c> gauge).</summary>
    public bool IsConnected => _connection.IsConnected;

    public Task StartAsync(CancellationToken cancellation)
    {
        _connection.Start();
        return Task.CompletedTask;
    }

    public void Enqueued(MonitorEvent monitorEvent)
    {
        if (monitorEvent.Camera is not { } camera)
            return;
        lock (_gate)
        {
            // In a cluster the camera moved to another node, which publishes its topics from now on:
            // this node must not put its last state back on a reconnect.
            if (monitorEvent.Type == MonitorEvent.CameraReleased)
            {
                _cameras.Remove(camera);
                return;
            }
            var topics = _cameras.TryGetValue(camera, out var known) ? known : new CameraTopics(null, null);
            _cameras[camera] = monitorEvent.Type switch
            {
                // Frames still in flight when the camera went down are not its live label.
                MonitorEvent.Label when monitorEvent.After is { } after && topics.Status != "down" => topics with { Label = after.Label },
                MonitorEvent.StreamUp => topics with { Status = "up" },
                // A label is not left standing as if live while its camera is down.
                MonitorEvent.StreamDown or MonitorEvent.StreamFrozen => new CameraTopics("down", null),
                _ => topics,
            };
        }
    }

    public async Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation)
    {
        var client = _connection.Connected() ?? throw new MqttBrokerUnavailableException($"not connected to the MQTT broker {_config.Host}:{_config.Port}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(MqttConnection.AckTimeout);
        try
        {
            if (monitorEvent.Camera is { } camera && monitorEvent.Type is MonitorEvent.Label or MonitorEvent.StreamUp or MonitorEvent.StreamDown or MonitorEvent.StreamFrozen)
                await SendCameraAsync(client, camera, CurrentTopics(camera), timeout.Token);
            await MqttConnection.SendAsync(client, $"{_config.Prefix}/events", EventJson.Serialize(monitorEvent), retain: false, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            _connection.Drop(client);
            throw new MqttBrokerUnavailableException($"the MQTT broker {_config.Host}:{_config.Port} did not acknowledge within {MqttConnection.AckTimeout.TotalSeconds} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _connection.Drop(client);
            throw;
        }
    }

    public Task FlushAsync(CancellationToken cancellation) => Task.CompletedTask;

    /// <summary>On every (re)connect: every camera's retained topics as they stand now.</summary>
    private async Task RepublishAsync(IMqttClient client, CancellationToken cancellation)
    {
        KeyValuePair<string, CameraTopics>[] cameras;
        lock (_gate)
            cameras = _cameras.ToArray();
        foreach (var (camera, topics) in cameras)
            await SendCameraAsync(client, camera, topics, cancellation);
    }

    /// <summary>Publishes the camera's retained topics as they stand now (always the newest state, whichever event is being delivered).</summary>
    private Task SendCameraAsync(IMqttClient client, string camera, CameraTopics topics, CancellationToken cancellation) =>
        Task.WhenAll(
            topics.Status is { } status ? MqttConnection.SendAsync(client, $"{_config.Prefix}/{camera}/status", status, retain: true, cancellation) : Task.CompletedTask,
            topics.Label is { } label ? MqttConnection.SendAsync(client, $"{_config.Prefix}/{camera}/label", label, retain: true, cancellation)
            // An empty retained message deletes the retained label: nothing is claimed while the camera is down.
            : topics.Status == "down" ? MqttConnection.SendAsync(client, $"{_config.Prefix}/{camera}/label", "", retain: true, cancellation)
            : Task.CompletedTask);

    private CameraTopics CurrentTopics(string camera)
    {
        lock (_gate)
            return _cameras.TryGetValue(camera, out var topics) ? topics : new CameraTopics(null, null);
    }

    /// <summary>Says <c>offline</c> on <see cref="Available"/> (a clean stop; the will is for a daemon that dies) and disconnects.</summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>The retained topics of one camera as they stand now (null: not known yet / cleared).</summary>
    private sealed record CameraTopics(string? Status, string? Label);
}
