using StreamLrcn.Hosting;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cluster;

/// <summary>
/// The cluster's <c>&lt;prefix&gt;/available</c> as three nodes' <see cref="MqttClusterAvailability"/>
/// keep it, with a real mosquitto; the kill of a node's process is in <see cref="ClusterDaemonTests"/>.
/// </summary>
public sealed class ClusterAvailabilityMqttTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_cluster_topic_stays_online_while_a_node_runs_and_goes_offline_with_the_last_one()
    {
        using var broker = MosquittoBroker.Start();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "t");
        var nodes = new[] { "a", "b", "c" }.Select(n => new MqttClusterAvailability(new MqttConfig("127.0.0.1", broker.Port, Prefix: "t", ClientId: $"node-{n}"))).ToArray();
        foreach (var node in nodes)
            node.Start();
        await Eventually.True(() => recorder.PayloadsOf("t/available").Count(p => p == "online") >= 3, Patience, "each node's online");

        // A node leaves: its offline is answered with online by the others, and a newcomer reads online.
        for (var leaving = 0; leaving < 2; leaving++)
        {
            var seen = recorder.PayloadsOf("t/available").Count;
            await nodes[leaving].DisposeAsync();
            await Eventually.True(() => recorder.PayloadsOf("t/available").Skip(seen).SkipWhile(p => p != "offline").Contains("online"), Patience,
                $"node {leaving}'s offline, then online from a node still running");
            await using var newcomer = await MqttRecorder.StartAsync(broker.Port, "t");
            await Eventually.True(() => newcomer.Latest("t/available") is not null, Patience, "the retained cluster topic");
            Assert.Equal("online", newcomer.Latest("t/available"));
        }

        // The last node leaves: nobody answers, offline stays.
        await nodes[2].DisposeAsync();
        await using var late = await MqttRecorder.StartAsync(broker.Port, "t");
        await Eventually.True(() => late.Latest("t/available") is not null, Patience, "the retained cluster topic");
        Assert.Equal("offline", late.Latest("t/available"));
        Assert.Equal("offline", recorder.Latest("t/available"));
    }
}
