using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Serilog;
using StreamLrcn.Hosting;

namespace StreamLrcn.Sinks;

/// <summary>
/// Publishes events to an MQTT broker in the topic layout Frigate users know:
/// <list type="bullet">
/// <item><c>&lt;prefix&gt;/available</c>: <c>online</c> / <c>offline</c>, retained; the broker publishes <c>offline</c> itself (last will) if the daemon dies.</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/label</c>: the camera's current label, retained.</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/status</c>: <c>up</c> / <c>down</c>, retained.</item>
/// <item><c>&lt;prefix&gt;/events</c>: every event as JSON (label changes carry <c>before</c>/<c>after</c>).</item>
/// </list>
/// A broker that is down does not stop the daemon: publishing is retried on the next event (at most
/// every few seconds) and the failures are counted in <see cref="Failures"/>; the events file keeps everything.
/// </summary>
public sealed class MqttEventSink(MqttConfig config) : IEventSink
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(3);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private DateTimeOffset _nextConnectAttempt = DateTimeOffset.MinValue;
    private long _failures;

    public string Available => $"{config.Prefix}/available";

    /// <summary>Events that could not be published (broker unreachable or refusing).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public async Task StartAsync(CancellationToken cancellation) => await EnsureConnectedAsync(cancellation);

    public async Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation)
    {
        if (!await EnsureConnectedAsync(cancellation))
        {
            Interlocked.Increment(ref _failures);
            return;
        }
        try
        {
            if (monitorEvent.Camera is { } camera)
            {
                if (monitorEvent.Type == MonitorEvent.Label && monitorEvent.After is { } after)
                    await SendAsync($"{config.Prefix}/{camera}/label", after.Label, retain: true, cancellation);
                else if (monitorEvent.Type == MonitorEvent.StreamUp)
                    await SendAsync($"{config.Prefix}/{camera}/status", "up", retain: true, cancellation);
                else if (monitorEvent.Type is MonitorEvent.StreamDown or MonitorEvent.StreamFrozen)
                    await SendAsync($"{config.Prefix}/{camera}/status", "down", retain: true, cancellation);
            }
            await SendAsync($"{config.Prefix}/events", EventJson.Serialize(monitorEvent), retain: false, cancellation);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException)
        {
            Interlocked.Increment(ref _failures);
            Log.Warning("MQTT publish to {Host}:{Port} failed: {Reason}", config.Host, config.Port, ex.Message);
        }
    }

    public Task FlushAsync(CancellationToken cancellation) => Task.CompletedTask;

    private async Task<bool> EnsureConnectedAsync(CancellationToken cancellation)
    {
        if (_client.IsConnected)
            return true;
        if (DateTimeOffset.UtcNow < _nextConnectAttempt)
            return false;
        _nextConnectAttempt = DateTimeOffset.UtcNow + RetryInterval;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(config.Host, config.Port)
            .WithClientId(config.ClientId)
            .WithCleanSession()
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithWillTopic(Available)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (config.Username is not null)
            builder = builder.WithCredentials(config.Username, config.Password);
        try
        {
            await _client.ConnectAsync(builder.Build(), cancellation);
            await SendAsync(Available, "online", retain: true, cancellation);
            Log.Information("MQTT connected to {Host}:{Port}, topics under {Prefix}/", config.Host, config.Port, config.Prefix);
            return true;
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            Log.Warning("MQTT broker {Host}:{Port} unreachable, retrying on the next event: {Reason}", config.Host, config.Port, ex.Message);
            return false;
        }
    }

    private Task SendAsync(string topic, string payload, bool retain, CancellationToken cancellation) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellation);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                // A clean stop says offline itself; the will is only for a daemon that dies.
                await SendAsync(Available, "offline", retain: true, timeout.Token);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException)
            {
                Log.Warning("MQTT: could not publish offline before disconnecting: {Reason}", ex.Message);
            }
        }
        _client.Dispose();
    }
}
