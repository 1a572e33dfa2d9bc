using System.Globalization;
using StreamLrcn.Cluster;
using StreamLrcn.Hosting;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cluster;

/// <summary>
/// Two real cluster nodes in this process (Akka.NET over TCP on 127.0.0.1, no pipeline: a camera
/// slot that is never read starts no ffmpeg), one with the <c>gpu</c> role: cameras with
/// <c>role: gpu</c> run only there.
/// </summary>
public sealed class CameraRoleTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-roles-").FullName;

    private (ClusterNode Node, EventDispatcher Events, string EventsPath) Node(string name, int port, int[] seeds, string roles)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;
        var yaml = string.Create(CultureInfo.InvariantCulture, $$"""
            cameras:
              - { name: free0, url: "rtsp://127.0.0.1:9/a", width: 160, height: 120 }
              - { name: gpu0, url: "rtsp://127.0.0.1:9/b", width: 160, height: 120, role: gpu }
              - { name: gpu1, url: "rtsp://127.0.0.1:9/c", width: 160, height: 120, role: gpu }
              - { name: free1, url: "rtsp://127.0.0.1:9/d", width: 160, height: 120 }
            outputs: { events: events.jsonl }
            cluster:
              port: {{port}}
              seeds: [{{string.Join(", ", seeds.Select(s => $"\"127.0.0.1:{s}\""))}}]
              roles: [{{roles}}]
            """);
        File.WriteAllText(Path.Combine(folder, "monitor.yaml"), yaml);
        var config = MonitorConfigLoader.Load(Path.Combine(folder, "monitor.yaml"));
        var cameras = config.Validate();
        var events = new EventDispatcher([new JsonLinesEventSink(config.OutputsOrDefault.Events)], new MonitorMetrics(config.Cluster!.NodeName));
        return (new ClusterNode(config.Cluster, cameras), events, config.OutputsOrDefault.Events);
    }

    private static string? Owner(ClusterNode node, string camera) => node.Health().Single(h => h.Name == camera).Owner;

    private static string[] Acquired(string eventsPath) => MonitorProcess.ReadJsonLines(eventsPath)
        .Where(e => e.GetProperty("type").GetString() == MonitorEvent.CameraAcquired).Select(e => e.GetProperty("camera").GetString()!).ToArray();

    [Fact]
    public async Task Cameras_with_the_gpu_role_run_only_on_the_gpu_node_and_no_other_node_takes_them_when_it_leaves()
    {
        int[] ports = [FreePort.Next(), FreePort.Next()];
        var (plain, plainEvents, plainPath) = Node("plain", ports[0], ports, "");
        var (gpu, gpuEvents, gpuPath) = Node("gpu", ports[1], ports, "gpu");
        await using (plainEvents)
        await using (gpuEvents)
        {
            await plainEvents.StartAsync(CancellationToken.None);
            await gpuEvents.StartAsync(CancellationToken.None);
            plain.Start(plainEvents, new MonitorMetrics(plain.NodeName), () => [], () => { });
            gpu.Start(gpuEvents, new MonitorMetrics(gpu.NodeName), () => [], () => { });
            try
            {
                string[] all = ["free0", "gpu0", "gpu1", "free1"];
                await Eventually.True(() => all.All(c => Owner(plain, c) is not null), Patience, "all four cameras owned somewhere");
                Assert.Equal(gpu.NodeName, Owner(plain, "gpu0"));
                Assert.Equal(gpu.NodeName, Owner(plain, "gpu1"));
                Assert.True(gpu.Slots.Single(s => s.Name == "gpu0").Owned);

                // The gpu node leaves: its plain cameras move to the other node, its gpu cameras wait for a gpu node.
                await gpu.LeaveAsync();
                await Eventually.True(() => Owner(plain, "free0") == plain.NodeName && Owner(plain, "free1") == plain.NodeName
                    && Owner(plain, "gpu0") is null && Owner(plain, "gpu1") is null, Patience, "the plain cameras on the plain node, the gpu cameras on none");
                Assert.False(gpu.Slots.Single(s => s.Name == "gpu0").Owned);
            }
            finally
            {
                await plain.LeaveAsync();
                await gpu.LeaveAsync();
            }
        }
        Assert.DoesNotContain("gpu0", Acquired(plainPath));
        Assert.DoesNotContain("gpu1", Acquired(plainPath));
        Assert.Contains("gpu0", Acquired(gpuPath));
        Assert.Equal(["free0", "free1"], Acquired(plainPath).Distinct().Order());
    }

    [Fact]
    public void A_camera_role_needs_a_cluster_section_and_a_role_name()
    {
        var path = Path.Combine(_directory, "m.yaml");
        File.WriteAllText(path, "cameras:\n  - { name: a, url: rtsp://h/s, role: gpu }\n");
        Assert.Equal("cameras[0].role restricts the camera to cluster nodes with that role: it needs a cluster section",
            Assert.Throws<ConfigException>(() => MonitorConfigLoader.Load(path).Validate()).Message);
        File.WriteAllText(path, "cameras:\n  - { name: a, url: rtsp://h/s, role: GPU }\ncluster: { seeds: [\"h:1\"] }\n");
        Assert.Equal("cameras[0].role must be lower-case letters, digits, '_' or '-', found 'GPU'",
            Assert.Throws<ConfigException>(() => MonitorConfigLoader.Load(path).Validate()).Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
