using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Cluster;

/// <summary>
/// Real <c>monitor</c> processes on 127.0.0.1 with <c>cluster.discovery</c> and no seeds: they find
/// each other through Akka.Management Cluster Bootstrap (Akka.Discovery's <c>config</c> method,
/// probing each other's management endpoint over HTTP) and form one cluster. The cameras point at
/// a closed port: ownership, not labels, is what is checked here.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterBootstrapTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private static readonly string[] Cameras = ["boot0", "boot1", "boot2", "boot3"];

    private static MonitorProcess StartNode(string folder, int clusterPort, int managementPort, int[] managementPorts, int httpPort) =>
        MonitorProcess.Start(folder, DaemonConfig.Yaml(Cameras.Select(c => (c, $"rtsp://127.0.0.1:9/{c}")), httpPort, defaults: "  width: 160\n  height: 120")
            + string.Create(CultureInfo.InvariantCulture, $"""
                cluster:
                  port: {clusterPort}
                  discovery:
                    managementPort: {managementPort}
                    contactPoints: [{string.Join(", ", managementPorts.Select(p => $"\"127.0.0.1:{p}\""))}]

                """));

    [Fact]
    public async Task Two_nodes_without_seeds_form_one_cluster_through_Cluster_Bootstrap_and_share_the_cameras()
    {
        using var root = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        int[] clusterPorts = [FreePort.Next(), FreePort.Next()];
        int[] managementPorts = [FreePort.Next(), FreePort.Next()];
        int[] httpPorts = [FreePort.Next(), FreePort.Next()];
        var nodeNames = clusterPorts.Select(p => $"127.0.0.1:{p}").ToArray();
        var nodes = new MonitorProcess[2];
        try
        {
            for (var i = 0; i < 2; i++)
                nodes[i] = StartNode(Directory.CreateDirectory(Path.Combine(root.Path, $"node{i}")).FullName, clusterPorts[i], managementPorts[i], managementPorts, httpPorts[i]);

            // Each node's bootstrap route (Akka.Management's, on its management port) lists both nodes as members that are up.
            foreach (var port in managementPorts)
            {
                await Eventually.GetAsync(async () => (await UpMembersAsync(http, port)).SequenceEqual(clusterPorts.Order()) ? "" : null, Patience,
                    $"both nodes up in the seed-nodes answer of 127.0.0.1:{port}");
                using var answer = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/bootstrap/seed-nodes"));
                Assert.Equal(clusterPorts[Array.IndexOf(managementPorts, port)], answer.RootElement.GetProperty("SelfNode").GetProperty("Port").GetInt32());
            }
            // One cluster: both nodes see every camera with the same owner, and the cameras are spread over both.
            var owners = await Eventually.GetAsync(async () =>
            {
                var views = await Task.WhenAll(httpPorts.Select(p => OwnersAsync(http, p)));
                return views.All(v => v.Count == Cameras.Length) && views[0].OrderBy(o => o.Key).SequenceEqual(views[1].OrderBy(o => o.Key))
                    && nodeNames.All(views[0].ContainsValue) ? views[0] : null;
            }, Patience, "both nodes agreeing on the owners, two cameras on each");
            output.WriteLine(string.Join(", ", owners.Select(o => $"{o.Key}@{o.Value}")));
            Assert.All(owners.Values, o => Assert.Contains(o, nodeNames));
            Assert.All(nodes, n => Assert.Contains("joining through Cluster Bootstrap", n.Output));
        }
        finally
        {
            foreach (var node in nodes.Where(n => n is not null))
            {
                output.WriteLine($"--- node in {node.Directory} ---");
                output.WriteLine(string.Join('\n', node.Output.Split('\n').TakeLast(30)));
                node.Dispose();
            }
        }
    }

    [Fact]
    public void A_management_port_in_use_stops_the_node_with_the_key_and_the_address()
    {
        using var root = new TempDirectory();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var node = StartNode(root.Path, FreePort.Next(), port, [port, FreePort.Next()], FreePort.Next());
        Assert.True(node.WaitForExit(Patience), "the node did not stop");
        Assert.Equal(2, node.ExitCode);
        Assert.Contains($"cluster.discovery.managementPort: cannot listen on 127.0.0.1:{port}", node.Output);
    }

    /// <summary>Cluster ports of the members the node's bootstrap route reports up (status 1); empty while it does not answer.</summary>
    private static async Task<int[]> UpMembersAsync(HttpClient http, int managementPort)
    {
        try
        {
            using var answer = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{managementPort}/bootstrap/seed-nodes"));
            return answer.RootElement.GetProperty("Nodes").EnumerateArray().Where(n => n.GetProperty("Status").GetInt32() == 1)
                .Select(n => n.GetProperty("Node").GetProperty("Port").GetInt32()).Order().ToArray();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return [];
        }
    }

    /// <summary>Camera → owner from the node's <c>/health</c> (503 here: the cameras are down), for the cameras that have one.</summary>
    private static async Task<Dictionary<string, string>> OwnersAsync(HttpClient http, int httpPort)
    {
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/health");
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return health.RootElement.GetProperty("cameras").EnumerateArray()
                .Where(c => c.TryGetProperty("owner", out var owner) && owner.ValueKind == JsonValueKind.String)
                .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("owner").GetString()!);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return [];
        }
    }
}
