namespace StreamLrcn.Tests.Cluster;

/// <summary>
/// The test classes that start several <c>monitor</c> processes forming a cluster run one after the
/// other: side by side on two cores they starve each other's heartbeats, and nodes are downed for it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterProcesses
{
    public const string Name = "cluster processes";
}
