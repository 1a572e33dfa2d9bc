using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Cluster;

/// <summary>
/// Three real <c>monitor</c> processes forming a cluster on 127.0.0.1, six cameras from the real
/// GStreamer RTSP server, a real mosquitto, and the daemons' ffmpeg children seen through /proc.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterDaemonTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>The issue's bound: a killed node's cameras label on the survivors within this long.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(15);

    private static readonly string[] Cameras = ["cam0", "cam1", "cam2", "cam3", "cam4", "cam5"];

    [Fact]
    public async Task Three_nodes_run_each_camera_once_survive_a_kill_within_the_bound_rebalance_onto_a_restarted_node_and_hand_over_on_SIGTERM()
    {
        using var server = RtspTestServer.Start(Cameras, fps: 5);
        using var broker = MosquittoBroker.Start();
        await using var mqtt = await MqttRecorder.StartAsync(broker.Port, "lrcn");
        using var root = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var clusterPorts = new[] { FreePort.Next(), FreePort.Next(), FreePort.Next() };
        var httpPorts = new[] { FreePort.Next(), FreePort.Next(), FreePort.Next() };
        var nodeNames = clusterPorts.Select(p => $"127.0.0.1:{p}").ToArray();
        var nodes = new MonitorProcess?[3];
        var folders = Enumerable.Range(0, 3).Select(i => Directory.CreateDirectory(Path.Combine(root.Path, $"node{i}")).FullName).ToArray();

        MonitorProcess Start(int i) => StartNode(folders[i], server, clusterPorts, i, httpPorts[i], $"  mqtt: {{ host: 127.0.0.1, port: {broker.Port}, prefix: lrcn }}");

        // Every ffmpeg child of every node, sampled all along: never more than one reader per camera.
        var mostFfmpeg = 0;
        using var stopSampling = new CancellationTokenSource();
        var samples = new ConcurrentQueue<string>();
        int[] FfmpegPerNode() => FfmpegChildren(nodes.Select(n => n is { HasExited: false } ? n.Pid : -1).ToArray());
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                var counts = FfmpegPerNode();
                if (counts.Sum() > Volatile.Read(ref mostFfmpeg))
                {
                    Volatile.Write(ref mostFfmpeg, counts.Sum());
                    samples.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} ffmpeg per node: {string.Join(", ", counts)}");
                }
                await Task.Delay(150);
            }
        });

        try
        {
            for (var i = 0; i < 3; i++)
                nodes[i] = Start(i);

            // 1. The cluster forms: each camera owned by one node, labelled, and read by exactly one ffmpeg, on its owner.
            // Nodes join one after the other; rebalancing then moves cameras until each node has two.
            var owners = await Eventually.GetAsync(async () => await SteadyOwnersAsync(http, httpPorts, nodeNames, nodes, FfmpegPerNode) is { } o
                    && nodeNames.All(n => o.Values.Count(v => v == n) == Cameras.Length / 3) ? o : null, Patience,
                "six cameras up with one owner each, two on each node, one ffmpeg per owned camera on each node");
            await Eventually.True(() => Cameras.All(c => LabelEvents(nodes, c).Any()), Patience, "a label event of each camera");
            await Eventually.True(() => Cameras.All(c => mqtt.PayloadsOf($"lrcn/{c}/label").Count > 0), Patience, "each camera's MQTT label topic");
            // Availability: each node on its own topic, the cluster on <prefix>/available.
            await Eventually.True(() => nodeNames.All(n => mqtt.Latest($"lrcn/nodes/{n}/available") == "online"), Patience, "each node's availability topic online");
            Assert.Equal("online", mqtt.Latest("lrcn/available"));
            Assert.All(LabelEvents(nodes, "cam0").Concat(LabelEvents(nodes, "cam5")), e => Assert.Contains(e.GetProperty("node").GetString(), nodeNames));
            output.WriteLine($"owners at start: {string.Join(", ", owners.Select(o => $"{o.Key}@{o.Value}"))}");
            // Every metric of a node carries its name.
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{httpPorts[2]}/metrics");
            var classified = metrics.Split('\n').Where(l => l.StartsWith("streamlrcn_frames_classified_total{", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(classified);
            Assert.All(classified, l => Assert.Contains($"node=\"{nodeNames[2]}\"", l));
            // The web API's camera list is the cluster's: every camera, with the owner /health names.
            var apiCameras = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{httpPorts[0]}/api/cameras")).RootElement.EnumerateArray()
                .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("owner").GetString());
            Assert.Equal(Cameras.Order(), apiCameras.Keys.Order());
            Assert.All(owners, o => Assert.Equal(o.Value, apiCameras[o.Key]));
            // Its streamlrcn_camera_owned gauge says 1 for exactly the cameras the cluster view gives it.
            await Eventually.GetAsync(async () =>
            {
                var view = await SteadyOwnersAsync(http, httpPorts, nodeNames, nodes, FfmpegPerNode);
                var scrape = await http.GetStringAsync($"http://127.0.0.1:{httpPorts[2]}/metrics");
                var ownedHere = scrape.Split('\n').Where(l => l.StartsWith("streamlrcn_camera_owned{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal))
                    .Select(l => Cameras.Single(c => l.Contains($"camera=\"{c}\"", StringComparison.Ordinal))).Order().ToArray();
                return view is not null && ownedHere.Length > 0 && ownedHere.SequenceEqual(view.Where(o => o.Value == nodeNames[2]).Select(o => o.Key).Order()) ? "" : null;
            }, Patience, "node 2's camera_owned gauge agreeing with the cluster view");

            // 2. kill -9 the first node (the oldest: it holds the shard coordinator too).
            var victim = nodeNames[0];
            var moved = owners.Where(o => o.Value == victim).Select(o => o.Key).ToArray();
            Assert.NotEmpty(moved);
            var mqttBefore = moved.ToDictionary(c => c, c => mqtt.PayloadsOf($"lrcn/{c}/label").Count);
            var availableBefore = mqtt.PayloadsOf("lrcn/available").Count;
            var killedAt = DateTimeOffset.UtcNow;
            nodes[0]!.Signal(Posix.SigKill);
            Assert.True(nodes[0]!.WaitForExit(Patience));
            nodes[0]!.Dispose();
            nodes[0] = null;
            // The events' own times measure the failover; polling slowly leaves the CPU to the nodes.
            var firstLabels = await Eventually.GetAsync(() =>
            {
                var labels = moved.Select(c => LabelEvents(nodes, c).Where(e => e.GetProperty("time").GetDateTimeOffset() > killedAt).ToArray()).ToArray();
                return Task.FromResult(labels.All(l => l.Length > 0) ? labels.Select(l => l[0]).ToArray() : null);
            }, Patience, $"labels of {string.Join(", ", moved)} from the surviving nodes", TimeSpan.FromSeconds(1));
            var failover = firstLabels.Max(e => e.GetProperty("time").GetDateTimeOffset()) - killedAt;
            output.WriteLine($"failover of {moved.Length} cameras: last first label {failover.TotalSeconds:0.00} s after the kill");
            Assert.All(firstLabels, e =>
            {
                Assert.Contains(e.GetProperty("node").GetString(), nodeNames[1..]);
                Assert.Contains(e.GetProperty("reset").GetString(), new[] { "stream-start", "discontinuity" });
            });
            Assert.True(failover <= FailoverBound, $"the killed node's cameras labelled on the survivors {failover.TotalSeconds:0.0} s after the kill, beyond {FailoverBound.TotalSeconds} s");
            owners = await Eventually.GetAsync(() => SteadyOwnersAsync(http, httpPorts, nodeNames, nodes, FfmpegPerNode), Patience, "the two survivors owning all six cameras with one ffmpeg each");
            Assert.DoesNotContain(victim, owners.Values);
            await Eventually.True(() => moved.All(c => mqtt.PayloadsOf($"lrcn/{c}/label").Count > mqttBefore[c]), Patience, "the moved cameras' MQTT label topics resuming");
            // The killed node's last will marks its own topic offline, and the cluster's, which the survivors answer with online.
            await AssertClusterStillOnlineAsync(mqtt, broker.Port, availableBefore, victim);

            // 3. Restart it: cameras move back onto it, each handed off (ffmpeg stopped) before it starts there.
            nodes[0] = Start(0);
            owners = await Eventually.GetAsync(async () => await SteadyOwnersAsync(http, httpPorts, nodeNames, nodes, FfmpegPerNode) is { } o && o.Values.Contains(victim) && o.Values.Distinct().Count() == 3 ? o : null,
                Patience, "cameras rebalanced onto the restarted node");
            var rebalanced = owners.Where(o => o.Value == victim).Select(o => o.Key).ToArray();
            await Eventually.True(() => rebalanced.All(c => LabelEvents(nodes, c).Any(e => e.GetProperty("node").GetString() == victim)), Patience, "labels from the restarted node");
            Assert.Equal("online", mqtt.Latest($"lrcn/nodes/{victim}/available"));

            // 4. SIGTERM the second node: it hands its cameras over and exits cleanly.
            var leaving = nodeNames[1];
            var handedOver = owners.Where(o => o.Value == leaving).Select(o => o.Key).ToArray();
            Assert.NotEmpty(handedOver);
            var terminatedAt = DateTimeOffset.UtcNow;
            availableBefore = mqtt.PayloadsOf("lrcn/available").Count;
            nodes[1]!.Signal(Posix.SigTerm);
            Assert.True(nodes[1]!.WaitForExit(Patience), "the node did not stop after SIGTERM");
            Assert.Equal(0, nodes[1]!.ExitCode);
            var leftEvents = MonitorProcess.ReadJsonLines(nodes[1]!.EventsPath);
            Assert.All(handedOver, c => Assert.Contains(leftEvents, e => e.GetProperty("type").GetString() == "camera_released" && e.GetProperty("camera").GetString() == c));
            nodes[1]!.Dispose();
            nodes[1] = null;
            await AssertClusterStillOnlineAsync(mqtt, broker.Port, availableBefore, leaving);
            owners = await Eventually.GetAsync(() => SteadyOwnersAsync(http, httpPorts, nodeNames, nodes, FfmpegPerNode), Patience, "the two remaining nodes owning all six cameras");
            Assert.DoesNotContain(leaving, owners.Values);
            await Eventually.True(() => handedOver.All(c => LabelEvents(nodes, c).Any(e => e.GetProperty("node").GetString() != leaving && e.GetProperty("time").GetDateTimeOffset() > terminatedAt)),
                Patience, "labels of the handed-over cameras from the remaining nodes");

            // Never two owners: one ffmpeg per camera at most in every sample, and each camera's ownership
            // periods (acquired … released, or … killed) follow one another without overlapping.
            await stopSampling.CancelAsync();
            await sampler;
            foreach (var sample in samples)
                output.WriteLine(sample);
            Assert.True(mostFfmpeg <= Cameras.Length, $"{mostFfmpeg} ffmpeg children at once for {Cameras.Length} cameras");
            var ownership = folders.SelectMany(f => MonitorProcess.ReadJsonLines(Path.Combine(f, "events.jsonl")))
                .Where(e => e.GetProperty("type").GetString() is "camera_acquired" or "camera_released")
                .Select(e => (Camera: e.GetProperty("camera").GetString()!, Node: e.GetProperty("node").GetString()!, Acquired: e.GetProperty("type").GetString() == "camera_acquired",
                    Time: e.GetProperty("time").GetDateTimeOffset()))
                .ToArray();
            foreach (var camera in Cameras)
            {
                string? owner = null;
                foreach (var change in ownership.Where(o => o.Camera == camera).OrderBy(o => o.Time))
                {
                    if (change.Acquired)
                    {
                        // The killed node never said it released its cameras: its ownership ended with the kill.
                        var killedOwner = owner == victim && change.Time > killedAt;
                        Assert.True(owner is null || killedOwner, $"{camera} acquired by {change.Node} at {change.Time:HH:mm:ss.fff} while {owner} still owned it");
                        owner = change.Node;
                    }
                    else if (owner == change.Node)
                        owner = null;
                }
            }
        }
        finally
        {
            await stopSampling.CancelAsync();
            await sampler;
            foreach (var node in nodes.Where(n => n is not null))
            {
                output.WriteLine($"--- node in {node!.Directory} ---");
                output.WriteLine(string.Join('\n', node.Output.Split('\n').Where(l => !l.Contains("Trying to register")).TakeLast(40)));
                node.Dispose();
            }
        }
    }

    /// <summary>Node <paramref name="index"/> of a cluster of the six cameras; the first two nodes are the seeds.</summary>
    private static MonitorProcess StartNode(string folder, RtspTestServer server, int[] clusterPorts, int index, int httpPort, string extraOutputs = "")
    {
        var yaml = DaemonConfig.Yaml(Cameras.Select(c => (c, server.Url(c))), httpPort, extraOutputs,
            defaults: "  width: 160\n  height: 120\n  fps: 3")
            + string.Create(CultureInfo.InvariantCulture, $"""
                cluster:
                  port: {clusterPorts[index]}
                  seeds: ["127.0.0.1:{clusterPorts[0]}", "127.0.0.1:{clusterPorts[1]}"]
                  dataFolder: cluster-data

                """);
        return MonitorProcess.Start(folder, yaml);
    }

    /// <summary>
    /// Live ffmpeg camera readers among the children of each of <paramref name="parents"/> (-1:
    /// none), from one pass over /proc. The recorder's ffmpeg children are not readers: its clip
    /// encoders encode (<c>-c:v libx264</c>), where a reader only decodes, and its check for an
    /// H.264 encoder (<c>ffmpeg -encoders</c>) has no input.
    /// </summary>
    private static int[] FfmpegChildren(int[] parents)
    {
        var counts = new int[parents.Length];
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
                continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            // pid (comm) state ppid …
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ', 3);
            if (fields[0] == "Z" || stat[(stat.IndexOf('(') + 1)..close] != "ffmpeg")
                continue;
            var index = Array.IndexOf(parents, int.Parse(fields[1]));
            if (index >= 0 && ReadsACamera(dir))
                counts[index]++;
        }
        return counts;
    }

    private static bool ReadsACamera(string procDirectory)
    {
        try
        {
            var arguments = File.ReadAllText(Path.Combine(procDirectory, "cmdline"));
            return arguments.Contains("\0-i\0", StringComparison.Ordinal) && !arguments.Contains("\0-c:v\0libx264", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_node_frozen_until_the_cluster_downed_it_has_its_cameras_run_elsewhere_and_exits_with_a_failure_when_it_resumes()
    {
        using var server = RtspTestServer.Start(Cameras, fps: 5);
        using var root = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var clusterPorts = new[] { FreePort.Next(), FreePort.Next(), FreePort.Next() };
        var httpPorts = new[] { FreePort.Next(), FreePort.Next(), FreePort.Next() };
        var nodeNames = clusterPorts.Select(p => $"127.0.0.1:{p}").ToArray();
        var nodes = new MonitorProcess?[3];
        try
        {
            for (var i = 0; i < 3; i++)
                nodes[i] = StartNode(Directory.CreateDirectory(Path.Combine(root.Path, $"node{i}")).FullName, server, clusterPorts, i, httpPorts[i]);
            int[] FfmpegOf(MonitorProcess?[] view) => FfmpegChildren(view.Select(n => n is { HasExited: false } ? n.Pid : -1).ToArray());
            var owners = await Eventually.GetAsync(async () => await SteadyOwnersAsync(http, httpPorts, nodeNames, nodes, () => FfmpegOf(nodes)) is { } o
                && o.Values.Contains(nodeNames[2]) ? o : null, Patience, "cameras on all three nodes");
            var frozen = nodes[2]!;
            var frozenFfmpeg = Posix.Children(frozen.Pid).Where(c => c.Command == "ffmpeg").Select(c => c.Pid).ToArray();
            Assert.NotEmpty(frozenFfmpeg);

            // Frozen, the node can neither answer nor stop its ffmpeg children; the others down it and take its cameras.
            frozen.Signal(Posix.SigStop);
            var others = new[] { nodes[0], nodes[1], null };
            owners = await Eventually.GetAsync(() => SteadyOwnersAsync(http, httpPorts, nodeNames, others, () => FfmpegOf(others)), Patience, "the frozen node's cameras on the other two");
            Assert.DoesNotContain(nodeNames[2], owners.Values);

            // Resumed, it learns it was removed: it stops its cameras and exits with a failure, for its supervisor to start it again.
            frozen.Signal(Posix.SigCont);
            Assert.True(frozen.WaitForExit(Patience), "the downed node did not stop after it resumed");
            Assert.Equal(1, frozen.ExitCode);
            Assert.Contains("was removed from the cluster", frozen.Output);
            await Eventually.True(() => !frozenFfmpeg.Any(Posix.IsAlive), Patience, "the downed node's ffmpeg children to end");
            Assert.Equal(Cameras.Length, FfmpegOf(others).Sum());
        }
        finally
        {
            foreach (var node in nodes.Where(n => n is not null))
            {
                if (!node!.HasExited)
                    node.Signal(Posix.SigCont);
                output.WriteLine($"--- node in {node.Directory} ---");
                output.WriteLine(string.Join('\n', node.Output.Split('\n').Where(l => !l.Contains("Trying to register")).TakeLast(30)));
                node.Dispose();
            }
        }
    }

    /// <summary>
    /// After <paramref name="gone"/> stopped or died: its node topic says offline, the cluster topic got
    /// its offline (a will or a clean stop) and then online from a node still running, and a client
    /// that subscribes now reads online.
    /// </summary>
    private static async Task AssertClusterStillOnlineAsync(MqttRecorder mqtt, int brokerPort, int availableBefore, string gone)
    {
        await Eventually.True(() => mqtt.Latest($"lrcn/nodes/{gone}/available") == "offline", Patience, $"{gone}'s availability topic offline");
        await Eventually.True(() => mqtt.PayloadsOf("lrcn/available").Skip(availableBefore).SkipWhile(p => p != "offline").Contains("online"), Patience,
            "the cluster topic's offline answered with online");
        await using var fresh = await MqttRecorder.StartAsync(brokerPort, "lrcn");
        await Eventually.True(() => fresh.Latest("lrcn/available") is not null, Patience, "the retained cluster topic");
        Assert.Equal("online", fresh.Latest("lrcn/available"));
    }

    private static IEnumerable<JsonElement> LabelEvents(MonitorProcess?[] nodes, string camera) =>
        nodes.Where(n => n is not null).SelectMany(n => n!.Events())
            .Where(e => e.GetProperty("type").GetString() == "label" && e.GetProperty("camera").GetString() == camera)
            .OrderBy(e => e.GetProperty("time").GetDateTimeOffset());

    /// <summary>
    /// Camera → owner when every running node's <c>/health</c> says every camera is up with an owner
    /// that is running, the nodes agree, and each node has exactly one ffmpeg child per camera it owns; otherwise null.
    /// </summary>
    private static async Task<Dictionary<string, string>?> SteadyOwnersAsync(HttpClient http, int[] httpPorts, string[] nodeNames, MonitorProcess?[] nodes, Func<int[]> ffmpegPerNode)
    {
        Dictionary<string, string>? agreed = null;
        for (var i = 0; i < nodes.Length; i++)
        {
            if (nodes[i] is null)
                continue;
            Dictionary<string, string> owners;
            try
            {
                using var health = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{httpPorts[i]}/health"));
                owners = health.RootElement.GetProperty("cameras").EnumerateArray()
                    .Where(c => c.GetProperty("state").GetString() == "up" && c.TryGetProperty("owner", out _))
                    .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("owner").GetString()!);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                return null;
            }
            if (owners.Count != Cameras.Length || owners.Values.Any(o => Array.IndexOf(nodeNames, o) is var n && (n < 0 || nodes[n] is null)))
                return null;
            if (agreed is not null && !agreed.OrderBy(o => o.Key).SequenceEqual(owners.OrderBy(o => o.Key)))
                return null;
            agreed = owners;
        }
        if (agreed is null)
            return null;
        var ffmpeg = ffmpegPerNode();
        for (var i = 0; i < nodes.Length; i++)
        {
            if (ffmpeg[i] != agreed.Values.Count(o => o == nodeNames[i]))
                return null;
        }
        return agreed;
    }
}
