using System.Collections.Concurrent;
using MQTTnet;

namespace StreamLrcn.Tests.Support;

/// <summary>
/// An MQTT client subscribed to <c>&lt;prefix&gt;/#</c> that records every message it receives, retained
/// ones included. It pings only once an hour, so the broker keeps it through a freeze (SIGSTOP) and
/// it receives the backlog after SIGCONT.
/// </summary>
internal sealed class MqttRecorder : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<(string Topic, string Payload, bool Retained)> Messages { get; } = new();

    public static async Task<MqttRecorder> StartAsync(int port, string prefix)
    {
        var recorder = new MqttRecorder();
        recorder._client.ApplicationMessageReceivedAsync += e =>
        {
            recorder.Messages.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? "", e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await recorder._client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("test-recorder-" + Guid.NewGuid())
            .WithKeepAlivePeriod(TimeSpan.FromHours(1))
            .Build());
        await recorder._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(prefix + "/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        return recorder;
    }

    public IReadOnlyList<string> PayloadsOf(string topic) => Messages.Where(m => m.Topic == topic).Select(m => m.Payload).ToArray();

    /// <summary>The newest payload on <paramref name="topic"/>, or null when none arrived.</summary>
    public string? Latest(string topic) => PayloadsOf(topic) is { Count: > 0 } payloads ? payloads[^1] : null;

    /// <summary>Payloads on <paramref name="topic"/> in arrival order, each once (QoS 1 may deliver a retried message twice).</summary>
    public IReadOnlyList<string> DistinctPayloadsOf(string topic) => PayloadsOf(topic).Distinct().ToArray();

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
            await _client.DisconnectAsync();
        _client.Dispose();
    }
}
