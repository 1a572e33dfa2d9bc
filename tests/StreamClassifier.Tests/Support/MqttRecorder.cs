using System.Collections.Concurrent;
using MQTTnet;

namespace StreamLrcn.Tests.Support;

/// <summary>An MQTT client subscribed to <c>&lt;prefix&gt;/#</c> that records every message it receives.</summary>
internal sealed class MqttRecorder : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<(string Topic, string Payload, bool Retained)> Messages { get; } = new();

    public static async Task<MqttRecorder> StartAsync(int port, string prefix)
    {
        var recorder = new MqttRecorder();
        recorder._client.ApplicationMessageReceivedAsync += e =>
        {
            recorder.Messages.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString(), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await recorder._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("test-recorder-" + Guid.NewGuid()).Build());
        await recorder._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(prefix + "/#").Build());
        return recorder;
    }

    public IReadOnlyList<string> PayloadsOf(string topic) => Messages.Where(m => m.Topic == topic).Select(m => m.Payload).ToArray();

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
            await _client.DisconnectAsync();
        _client.Dispose();
    }
}
