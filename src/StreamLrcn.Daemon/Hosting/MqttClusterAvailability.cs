using MQTTnet;
using Serilog;

namespace StreamLrcn.Hosting;

/// <summary>
/// <c>&lt;prefix&gt;/available</c> for a cluster of nodes that share the prefix: <c>online</c> while
/// any node runs, <c>offline</c> once none does. Each node holds a second MQTT connection (beside its
/// event sink's, whose last will marks <c>&lt;prefix&gt;/nodes/&lt;node&gt;/available</c>) whose last will,
/// and whose own clean stop, say <c>offline</c> on the cluster topic; every node listens there and
/// answers an <c>offline</c> with <c>online</c> at once while it still runs. So a node that dies or
/// leaves turns the topic <c>offline</c> for one broker round trip at most while others run, and the
/// last node to go leaves it <c>offline</c>, whether it stopped or died, with no node having to know
/// which one is last.
/// <para>Started by <see cref="MonitorService"/> in cluster mode with MQTT; disposed when the daemon stops.</para>
/// </summary>
public sealed class MqttClusterAvailability : IAsyncDisposable
{
    private const string Online = "online";
    private const string Offline = "offline";

    private readonly MqttConnection _connection;
    private readonly string _topic;
    // Serializes the answers with the stop, so no "online" of this node can follow its own "offline".
    private readonly SemaphoreSlim _send = new(1, 1);
    private volatile bool _stopping;

    /// <param name="config">The node's MQTT output (its client id already carries the node's name); this connection's id adds <c>-available</c>.</param>
    public MqttClusterAvailability(MqttConfig config)
    {
        _topic = $"{config.Prefix}/available";
        _connection = new MqttConnection(config, $"{config.ClientId}-available", _topic, SubscribeAsync, OnMessage);
    }

    public void Start() => _connection.Start();

    private async Task SubscribeAsync(IMqttClient client, CancellationToken cancellation) =>
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_topic, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellation);

    private Task OnMessage(MqttApplicationMessage message)
    {
        if (message.Topic == _topic && message.ConvertPayloadToString() == Offline && !_stopping)
        {
            // Not on the client's receive loop: a QoS 1 publish waits for its acknowledgement, which that loop delivers.
            _ = Task.Run(AnswerOfflineAsync);
        }
        return Task.CompletedTask;
    }

    private async Task AnswerOfflineAsync()
    {
        if (_stopping)
            return;
        await _send.WaitAsync();
        try
        {
            if (_stopping || _connection.Connected() is not { } client)
                return;
            using var timeout = new CancellationTokenSource(MqttConnection.AckTimeout);
            await MqttConnection.SendAsync(client, _topic, Online, retain: true, timeout.Token);
            Log.Information("MQTT {Topic}: another node went offline, this node still runs: online again", _topic);
        }
        catch (Exception ex) when (ex is MqttBrokerUnavailableException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // The connection is going; its reconnect publishes online anyway.
            Log.Warning("MQTT {Topic}: could not answer offline with online: {Reason}", _topic, ex.Message);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Says <c>offline</c> on the cluster topic and disconnects; the nodes still running answer <c>online</c>.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await _send.WaitAsync();
        try
        {
            await _connection.DisposeAsync();
        }
        finally
        {
            _send.Release();
        }
    }
}
