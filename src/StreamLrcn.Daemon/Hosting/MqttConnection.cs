using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Serilog;

namespace StreamLrcn.Hosting;

/// <summary>
/// One MQTT client kept connected to the broker by a background task: it reconnects with backoff
/// whether or not anything is sent, with a last will of <c>offline</c> (retained) on
/// <see cref="AvailabilityTopic"/>, and on every (re)connect publishes <c>online</c> there and runs
/// the owner's <c>onConnected</c> (retained state to put back, subscriptions). Disposing it
/// publishes <c>offline</c> itself and disconnects: the will is only for a process that dies.
/// Owned by an <see cref="MqttEventSink"/> or an <see cref="MqttClusterAvailability"/>.
/// </summary>
/// <param name="clientId">The client id (a broker keeps one session per id and drops the older one).</param>
/// <param name="onConnected">Runs after <c>online</c> on every (re)connect, within the connect's time limit.</param>
/// <param name="onMessage">Messages of the client's subscriptions; runs on the client's receive loop, so it must not wait for the broker.</param>
internal sealed class MqttConnection(MqttConfig config, string clientId, string availabilityTopic,
    Func<IMqttClient, CancellationToken, Task>? onConnected = null, Func<MqttApplicationMessage, Task>? onMessage = null) : IAsyncDisposable
{
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);

    private readonly MqttClientFactory _factory = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _jitter = new();
    private IMqttClient? _client;
    private Task _connection = Task.CompletedTask;

    /// <summary>Where this connection says <c>online</c>, and its will (or its own stop) says <c>offline</c>.</summary>
    public string AvailabilityTopic => availabilityTopic;

    /// <summary>Whether a connection to the broker is up.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_gate)
                return _client is { IsConnected: true };
        }
    }

    public void Start() => _connection = Task.Run(() => KeepConnectedAsync(_stop.Token), CancellationToken.None);

    /// <summary>The client while it is connected, else null.</summary>
    public IMqttClient? Connected()
    {
        lock (_gate)
            return _client is { IsConnected: true } client ? client : null;
    }

    /// <summary>Forgets <paramref name="client"/> if it is still the current one (it failed to publish); the connection loop makes a new one.</summary>
    public void Drop(IMqttClient client)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_client, client))
                return;
            _client = null;
        }
        client.Dispose();
    }

    /// <summary>Publishes at QoS 1; throws <see cref="MqttBrokerUnavailableException"/> when the broker refuses it.</summary>
    public static async Task SendAsync(IMqttClient client, string topic, string payload, bool retain, CancellationToken cancellation)
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
            if (onMessage is not null)
                client.ApplicationMessageReceivedAsync += e => onMessage(e.ApplicationMessage);
            try
            {
                await ConnectAsync(client, stop);
                lock (_gate)
                    _client = client;
                if (failures > 0)
                    Log.Information("MQTT {ClientId} reconnected to {Host}:{Port} after {Seconds:0.0} s; {Topic} and retained topics republished",
                        clientId, config.Host, config.Port, (DateTimeOffset.UtcNow - downSince).TotalSeconds, availabilityTopic);
                else
                    Log.Information("MQTT {ClientId} connected to {Host}:{Port}, {Topic} online", clientId, config.Host, config.Port, availabilityTopic);
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
                    Log.Warning("MQTT broker {Host}:{Port} unreachable for {ClientId}, reconnecting in the background: {Reason}", config.Host, config.Port, clientId, ex.Message);
                }
                await Task.Delay(backoff.DelayFor(failures, _jitter), stop).ConfigureAwait(false);
            }
        }
    }

    private async Task ConnectAsync(IMqttClient client, CancellationToken stop)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(config.Host, config.Port)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithTimeout(AckTimeout)
            // Pings a quiet connection, so a frozen broker is noticed even when nothing is sent.
            .WithKeepAlivePeriod(AckTimeout)
            .WithWillTopic(availabilityTopic)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (config.Username is not null)
            builder = builder.WithCredentials(config.Username, config.Password);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(2 * AckTimeout);
        await client.ConnectAsync(builder.Build(), timeout.Token);
        await SendAsync(client, availabilityTopic, "online", retain: true, timeout.Token);
        if (onConnected is not null)
            await onConnected(client, timeout.Token);
    }

    private void DropCurrent()
    {
        IMqttClient? client;
        lock (_gate)
            (client, _client) = (_client, null);
        client?.Dispose();
    }

    /// <summary>Stops reconnecting; when connected, publishes <c>offline</c> on <see cref="AvailabilityTopic"/> and disconnects.</summary>
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
                await SendAsync(client, availabilityTopic, "offline", retain: true, timeout.Token);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
            catch (Exception ex) when (ex is MqttBrokerUnavailableException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                Log.Warning("MQTT: could not publish offline on {Topic} before disconnecting: {Reason}", availabilityTopic, ex.Message);
            }
        }
        DropCurrent();
        _stop.Dispose();
    }
}
