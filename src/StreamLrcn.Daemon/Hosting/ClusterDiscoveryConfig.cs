using System.Globalization;

namespace StreamLrcn.Hosting;

/// <summary>
/// <c>cluster.discovery:</c> join through Akka.Management Cluster Bootstrap instead of fixed
/// <c>cluster.seeds</c>. Each node serves Akka.Management's HTTP routes on <paramref name="ManagementPort"/>;
/// bootstrap finds the nodes through the discovery <paramref name="Method"/>, asks each whether it is in
/// a cluster already and joins that one, or, once <paramref name="RequiredContactPoints"/> nodes answer
/// and none is, the node with the lowest address forms the cluster and the others join it.
/// <para>
/// The one method is <c>config</c>: the nodes' management endpoints are listed in
/// <paramref name="ContactPoints"/> (the same list on every node; in Kubernetes the StatefulSet's pod
/// names). Discovery through the Kubernetes API (Akka.Discovery.KubernetesApi) cannot run with the
/// package versions served here; README says why.
/// </para>
/// </summary>
/// <param name="Method">How the nodes are found: <c>config</c>.</param>
/// <param name="ManagementPort">This node's Akka.Management HTTP port (Cluster Bootstrap's <c>/bootstrap/seed-nodes</c>), on <c>cluster.host</c> (listening on <c>cluster.bindHost</c> when set).</param>
/// <param name="ContactPoints"><c>host:port</c> of every node's management endpoint.</param>
/// <param name="RequiredContactPoints">How many nodes must answer before a new cluster is formed (none running yet).</param>
public sealed record ClusterDiscoveryConfig(
    string Method = ClusterDiscoveryConfig.ConfigMethod,
    int ManagementPort = 8558,
    IReadOnlyList<string>? ContactPoints = null,
    int RequiredContactPoints = 2)
{
    /// <summary>Contact points listed in the config (Akka.Discovery's <c>config</c> method).</summary>
    public const string ConfigMethod = "config";

    /// <summary>The contact points as (host, port), in the order written; call after <see cref="Validate"/>.</summary>
    public IReadOnlyList<(string Host, int Port)> ContactPointAddresses => ClusterConfig.ParseHostPorts(ContactPoints, "cluster.discovery.contactPoints");

    /// <summary>Throws <see cref="ConfigException"/> naming the first bad field of the section.</summary>
    /// <param name="clusterPort">The node's cluster port, which the management port must differ from.</param>
    public void Validate(int clusterPort)
    {
        if (Method != ConfigMethod)
            throw new ConfigException($"cluster.discovery.method must be '{ConfigMethod}' (contact points listed in the config; the Kubernetes API method cannot run with the packages served here), found '{Method}'");
        if (ManagementPort is < 1 or > 65535)
            throw new ConfigException($"cluster.discovery.managementPort must be 1-65535, found {ManagementPort}");
        if (ManagementPort == clusterPort)
            throw new ConfigException($"cluster.discovery.managementPort must differ from cluster.port, found {ManagementPort} for both");
        if (ContactPoints is null || ContactPoints.Count == 0)
            throw new ConfigException("cluster.discovery.contactPoints: at least one host:port (a node's management endpoint) is required; list the same ones on every node");
        ClusterConfig.ValidateHostPorts(ContactPoints, "cluster.discovery.contactPoints");
        if (RequiredContactPoints < 1 || RequiredContactPoints > ContactPoints.Count)
            throw new ConfigException(string.Create(CultureInfo.InvariantCulture,
                $"cluster.discovery.requiredContactPoints must be 1 to the number of contact points ({ContactPoints.Count}), found {RequiredContactPoints}"));
    }
}
