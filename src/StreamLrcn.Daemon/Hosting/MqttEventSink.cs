using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Serilog;

namespace StreamLrcn.Hosting;

/// <summary>
/// Publishes events to an MQTT broker in the topic layout Frigate users know:
/// <list type="bullet">
/// <item><c>&lt;prefix&gt;/available</c>: <c>online</c> / <c>offline</c>, retained; the broker publishes <c>offline</c> itself (last will) if the daemon dies.</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/label</c>: the camera's current label, retained; cleared (an empty retained message) while the camera is down.</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/status</c>: <c>up</c> / <c>down</c>, retained.</item>
/// <item><c>&lt;prefix&gt;/events</c>: every event as JSON (label changes carry <c>before</c>/<c>after</c>).</item>
/// </list>
/// A background task keeps the connection: it reconnects with backoff whether or not events
/// arrive, and on every (re)connect publishes availability and every camera's current status and
/// label, so a restarted broker has its retained topics back at once. The retained topics always
/// carry the newest state seen by <see cref="Enqueued"/>, so replaying a backlog after an outage
/// never moves them back in time. A publish that the broker does not acknowledge in time (a
/// frozen broker) drops the connection and throws; the dispatcher keeps the event and retries.
/// </summary>
public sealed class MqttEventSink(MqttConfig config) : IEventSink
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);

    private readonly MqttClientFactory _factory = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CameraTopics> _cameras = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _jitter = new();
    private IMqttClient? _client;
    private Task _connection = Task.CompletedTask;

    public string Name => "mqtt";

    public int QueueCapacity => config.QueueSize;

    public string Available => $"{config.Prefix}/available";

    /// <summary>Whether a connection to the broker is up (for the <c>streamlrcn_mqtt_connected</c> gauge).</summary>
    public bool IsConnected
    {
        get
        {
            lock (_gate)
                return _client is { IsConnected: true };
        }
    }

    public Task StartAsync(CancellationToken cancellation)
    {
        _connection = Task.Run(() => KeepConnectedAsync(_stop.Token), CancellationToken.None);
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
        var client = Connected() ?? throw new MqttBrokerUnavailableException($"not connected to the MQTT broker {config.Host}:{config.Port}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(AckTimeout);
        try
        {
            if (monitorEvent.Camera is { } camera && monitorEvent.Type is MonitorEvent.Label or MonitorEvent.StreamUp or MonitorEvent.StreamDown or MonitorEvent.StreamFrozen)
                await SendCameraAsync(client, camera, CurrentTopics(camera), timeout.Token);
            await SendAsync(client, $"{config.Prefix}/events", EventJson.Serialize(monitorEvent), retain: false, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            Drop(client);
            throw new MqttBrokerUnavailableException($"the MQTT broker {config.Host}:{config.Port} did not acknowledge within {AckTimeout.TotalSeconds} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Drop(client);
            throw;
        }
    }

    public Task FlushAsync(CancellationToken cancellation) => Task.CompletedTask;

    private async Task KeepConnectedAsync(CancellationToken stop)
    {
        var backoff = config.BackoffOrDefault.ToBackoff();
        var failures = 0;
        var downSince = DateTimeOffset.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            if (IsConnected)
            {
                await Task.Delay(CheckInterval, stop).ConfigureAwait(false);
                continue;
            }
            DropCurrent();
            var client = _factory.CreateMqttClient();
            try
            {
                await ConnectAsync(client, stop);
                lock (_gate)
                    _client = client;
                if (failures > 0)
                    Log.Information("MQTT reconnected to {Host}:{Port} after {Seconds:0.0} s; availability, status and labels republished",
                        config.Host, config.Port, (DateTimeOffset.UtcNow - downSince).TotalSeconds);
                else
                    Log.Information("MQTT connected to {Host}:{Port}, topics under {Prefix}/", config.Host, config.Port, config.Prefix);
                failures = 0;
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                // Whatever the client throws (refused, timed out, a connect still pending inside it),
                // this client is thrown away and a fresh one tries again: the loop must not die.
                client.Dispose();
                if (failures++ == 0)
                {
                    downSince = DateTimeOffset.UtcNow;
                    Log.Warning("MQTT broker {Host}:{Port} unreachable, reconnecting in the background: {Reason}", config.Host, config.Port, ex.Message);
                }
                await Task.Delay(backoff.DelayFor(failures, _jitter), stop).ConfigureAwait(false);
            }
        }
    }

    private async Task ConnectAsync(IMqttClient client, CancellationToken stop)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(config.Host, config.Port)
            .WithClientId(config.ClientId)
            .WithCleanSession()
            .WithTimeout(AckTimeout)
            // Pings a quiet connection, so a frozen broker is noticed even when no event is sent.
            .WithKeepAlivePeriod(AckTimeout)
            .WithWillTopic(Available)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (config.Username is not null)
            builder = builder.WithCredentials(config.Username, config.Password);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(2 * AckTimeout);
        await client.ConnectAsync(builder.Build(), timeout.Token);
        await SendAsync(client, Available, "online", retain: true, timeout.Token);
        KeyValuePair<string, CameraTopics>[] cameras;
        lock (_gate)
            cameras = _cameras.ToArray();
        foreach (var (camera, topics) in cameras)
            await SendCameraAsync(client, camera, topics, timeout.Token);
    }

    /// <summary>Publishes the camera's retained topics as they stand now (always the newest state, whichever event is being delivered).</summary>
    private Task SendCameraAsync(IMqttClient client, string camera, CameraTopics topics, CancellationToken cancellation) =>
        Task.WhenAll(
            topics.Status is { } status ? SendAsync(client, $"{config.Prefix}/{camera}/status", status, retain: true, cancellation) : Task.CompletedTask,
            topics.Label is { } label ? SendAsync(client, $"{config.Prefix}/{camera}/label", label, retain: true, cancellation)
            // An empty retained message deletes the retained label: nothing is claimed while the camera is down.
            : topics.Status == "down" ? SendAsync(client, $"{config.Prefix}/{camera}/label", "", retain: true, cancellation)
            : Task.CompletedTask);

    private static async Task SendAsync(IMqttClient client, string topic, string payload, bool retain, CancellationToken cancellation)
    {
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellation);
        if (!result.IsSuccess)
            throw new MqttBrokerUnavailableException($"the MQTT broker refused a message on {topic}: {result.ReasonCode} {result.ReasonString}");
    }

    private CameraTopics CurrentTopics(string camera)
    {
        lock (_gate)
            return _cameras.TryGetValue(camera, out var topics) ? topics : new CameraTopics(null, null);
    }

    private IMqttClient? Connected()
    {
        lock (_gate)
            return _client is { IsConnected: true } client ? client : null;
    }

    /// <summary>Forgets <paramref name="client"/> if it is still the current one; the connection loop makes a new one.</summary>
    private void Drop(IMqttClient client)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_client, client))
                return;
            _client = null;
        }
        client.Dispose();
    }

    private void DropCurrent()
    {
        IMqttClient? client;
        lock (_gate)
            (client, _client) = (_client, null);
        client?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _connection;
        }
        catch (OperationCanceledException)
        {
            // The connection loop ends by cancellation.
        }
        if (Connected() is { } client)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                // A clean stop says offline itself; the will is only for a daemon that dies.
                await SendAsync(client, Available, "offline", retain: true, timeout.Token);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
            catch (Exception ex) when (ex is MqttBrokerUnavailableException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                Log.Warning("MQTT: could not publish offline before disconnecting: {Reason}", ex.Message);
            }
        }
        DropCurrent();
        _stop.Dispose();
    }

    /// <summary>The retained topics of one camera as they stand now (null: not known yet / cleared).</summary>
    private sealed record CameraTopics(string? Status, string? Label);
}
