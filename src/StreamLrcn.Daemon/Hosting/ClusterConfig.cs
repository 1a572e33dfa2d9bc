using System.Globalization;
using System.Text.RegularExpressions;
namespace StreamLrcn.Hosting;

/// <summary>
/// <c>cluster:</c> this node's place in a cluster of monitors that share one camera list (Akka.NET
/// Cluster.Sharding: one entity per camera). Every node loads the same cameras, model and outputs
/// and its own <c>cluster</c> section. Without the section the daemon runs alone, as ever.
/// </summary>
/// <param name="Name">The cluster's name (the actor system's): nodes with different names never join.</param>
/// <param name="Host">The address other nodes reach this node at (also the one it listens on unless <paramref name="BindHost"/> says otherwise).</param>
/// <param name="Port">This node's cluster port.</param>
/// <param name="Seeds"><c>host:port</c> of the nodes a starting node contacts to join; list the same seeds on every node. This node may be one of them.</param>
/// <param name="Roles">This node's roles (<c>gpu</c> for nodes with a GPU).</param>
/// <param name="DataFolder">Where this node keeps the cluster's remembered cameras (distributed data, LMDB) on local disk; one folder per node.</param>
/// <param name="HeartbeatIntervalSeconds">How often nodes check each other.</param>
/// <param name="AcceptableHeartbeatPauseSeconds">Silence tolerated before a node is marked unreachable (garbage collections, a loaded machine).</param>
/// <param name="StableAfterSeconds">How long the membership must stay unchanged before the split-brain resolver (keep-majority) downs unreachable nodes and their cameras start elsewhere.</param>
/// <param name="RebalanceIntervalSeconds">How often cameras are moved towards an even spread (onto a node that joined).</param>
/// <param name="BindHost">The address to listen on when it differs from <paramref name="Host"/> (0.0.0.0 in a container).</param>
/// <param name="Discovery">Join through Akka.Management Cluster Bootstrap instead of <paramref name="Seeds"/>.</param>
public sealed partial record ClusterConfig(
    string Name = "streamlrcn",
    string Host = "127.0.0.1",
    int Port = 4053,
    IReadOnlyList<string>? Seeds = null,
    IReadOnlyList<string>? Roles = null,
    string DataFolder = "cluster-data",
    double HeartbeatIntervalSeconds = 0.5,
    double AcceptableHeartbeatPauseSeconds = 2.5,
    double StableAfterSeconds = 2.5,
    double RebalanceIntervalSeconds = 5,
    string? BindHost = null,
    ClusterDiscoveryConfig? Discovery = null)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex SystemName();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex RoleName();

    /// <summary>Whether <paramref name="role"/> is spelled as a role may be (also a camera's <c>role</c>).</summary>
    public static bool IsRoleName(string role) => !string.IsNullOrWhiteSpace(role) && RoleName().IsMatch(role);

    /// <summary>This node's name in events, <c>/health</c> and metrics: <c>host:port</c>.</summary>
    public string NodeName => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>
    /// The config this node runs: every node loads the same outputs, but an MQTT broker keeps one
    /// session per client id and drops the older one, so each node's client id gets its node name.
    /// </summary>
    public MonitorConfig ForThisNode(MonitorConfig config) => config.OutputsOrDefault.Mqtt is { } mqtt
        ? config with { Outputs = config.OutputsOrDefault with { Mqtt = mqtt with { ClientId = string.Create(CultureInfo.InvariantCulture, $"{mqtt.ClientId}-{Host}-{Port}") } } }
        : config;

    /// <summary>The seeds as (host, port), in the order written; call after <see cref="Validate"/>.</summary>
    public IReadOnlyList<(string Host, int Port)> SeedAddresses => ParseHostPorts(Seeds, "cluster.seeds");

    /// <summary>Throws <see cref="ConfigException"/> naming the first bad field of the section.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || !SystemName().IsMatch(Name))
            throw new ConfigException($"cluster.name must be letters, digits, '_' or '-' (it names the cluster's actor system), found '{Name}'");
        if (string.IsNullOrWhiteSpace(Host) || Host.Any(char.IsWhiteSpace) || Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('['))
            throw new ConfigException($"cluster.host must be the host name or IP address other nodes reach this node at, found '{Host}'");
        if (BindHost is not null && (string.IsNullOrWhiteSpace(BindHost) || BindHost.Any(char.IsWhiteSpace)))
            throw new ConfigException($"cluster.bindHost must be an address to listen on (0.0.0.0), found '{BindHost}'");
        if (Port is < 1 or > 65535)
            throw new ConfigException($"cluster.port must be 1-65535, found {Port}");
        if (Discovery is not null)
        {
            if (Seeds is { Count: > 0 })
                throw new ConfigException("cluster.seeds and cluster.discovery: give one of them (fixed seeds, or Cluster Bootstrap through discovery), found both");
            Discovery.Validate(Port);
        }
        else if (Seeds is null || Seeds.Count == 0)
            throw new ConfigException("cluster.seeds: at least one seed (host:port) is required (or a cluster.discovery section); list the same seeds on every node");
        else
            ValidateHostPorts(Seeds, "cluster.seeds");
        var roles = Roles ?? [];
        for (var i = 0; i < roles.Count; i++)
        {
            if (!IsRoleName(roles[i]))
                throw new ConfigException($"cluster.roles[{i}] must be lower-case letters, digits, '_' or '-', found '{roles[i]}'");
        }
        if (string.IsNullOrWhiteSpace(DataFolder))
            throw new ConfigException("cluster.dataFolder: a folder for the cluster's remembered cameras is required");
        Positive(HeartbeatIntervalSeconds, "heartbeatIntervalSeconds");
        Positive(AcceptableHeartbeatPauseSeconds, "acceptableHeartbeatPauseSeconds");
        Positive(StableAfterSeconds, "stableAfterSeconds");
        Positive(RebalanceIntervalSeconds, "rebalanceIntervalSeconds");
        if (AcceptableHeartbeatPauseSeconds < HeartbeatIntervalSeconds)
            throw new ConfigException($"cluster.acceptableHeartbeatPauseSeconds must be at least heartbeatIntervalSeconds ({HeartbeatIntervalSeconds}), found {AcceptableHeartbeatPauseSeconds}");
    }

    private static void Positive(double seconds, string key)
    {
        if (!(seconds > 0 && seconds <= 3600))
            throw new ConfigException($"cluster.{key} must be a number of seconds above 0 and at most 3600, found {seconds}");
    }

    /// <summary>Throws <see cref="ConfigException"/> naming the first entry of <paramref name="list"/> (at <paramref name="key"/>) that is not host:port, or one listed twice.</summary>
    internal static void ValidateHostPorts(IReadOnlyList<string> list, string key)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (TryParseHostPort(list[i], out _) is { } problem)
                throw new ConfigException($"{key}[{i}] must be host:port, found '{list[i]}': {problem}");
        }
        var duplicate = list.GroupBy(s => s.Trim(), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ConfigException($"{key} lists '{duplicate.Key}' twice");
    }

    /// <summary>The entries of <paramref name="list"/> as (host, port), in the order written; validate it first.</summary>
    internal static IReadOnlyList<(string Host, int Port)> ParseHostPorts(IReadOnlyList<string>? list, string key) =>
        (list ?? []).Select(entry => TryParseHostPort(entry, out var parsed) is null ? parsed : throw new ConfigException($"{key}: '{entry}' is not host:port")).ToArray();

    /// <summary>Null when <paramref name="entry"/> is host:port; otherwise what is wrong with it.</summary>
    private static string? TryParseHostPort(string? entry, out (string Host, int Port) parsed)
    {
        parsed = default;
        if (string.IsNullOrWhiteSpace(entry))
            return "empty";
        var text = entry.Trim();
        if (text.Contains("://", StringComparison.Ordinal))
            return "write only host:port, without a scheme or system name";
        var colon = text.LastIndexOf(':');
        if (colon <= 0)
            return "the port is missing";
        var host = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return "the port must be 1-65535";
        if (host.Any(char.IsWhiteSpace) || (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[')))
            return "the host is not a host name or address";
        parsed = (host, port);
        return null;
    }
}
