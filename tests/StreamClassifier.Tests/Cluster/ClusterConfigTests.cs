using Akka.Configuration;
using StreamLrcn.Cluster;
using StreamLrcn.Hosting;

namespace StreamLrcn.Tests.Cluster;

public sealed class ClusterConfigTests : IDisposable
{
    private const string Cameras = "cameras:\n  - name: door\n    url: rtsp://h/s\n";
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-cluster-config-").FullName;

    private MonitorConfig Load(string yaml)
    {
        var path = Path.Combine(_directory, "monitor.yaml");
        File.WriteAllText(path, yaml);
        return MonitorConfigLoader.Load(path);
    }

    private string ErrorOf(string yaml) => Assert.Throws<ConfigException>(() => Load(yaml).Validate()).Message;

    [Fact]
    public void Without_a_cluster_section_the_daemon_runs_alone()
    {
        var config = Load(Cameras);
        config.Validate();
        Assert.Null(config.Cluster);
    }

    [Fact]
    public void Cluster_section_is_read_with_seeds_roles_and_timings_and_its_data_folder_is_made_absolute_against_the_config_file()
    {
        var config = Load(Cameras + """
            cluster:
              name: site-a
              host: 10.0.0.7
              port: 4100
              seeds: ["10.0.0.5:4100", "10.0.0.6:4100"]
              roles: [gpu]
              dataFolder: state/cluster
              acceptableHeartbeatPauseSeconds: 5
              stableAfterSeconds: 7
            """);
        config.Validate();
        var cluster = config.Cluster!;
        Assert.Equal(("site-a", "10.0.0.7", 4100, "10.0.0.7:4100"), (cluster.Name, cluster.Host, cluster.Port, cluster.NodeName));
        Assert.Equal([("10.0.0.5", 4100), ("10.0.0.6", 4100)], cluster.SeedAddresses);
        Assert.Equal(["gpu"], cluster.Roles!);
        Assert.Equal(Path.Combine(_directory, "state", "cluster"), cluster.DataFolder);
        Assert.Equal((0.5, 5.0, 7.0), (cluster.HeartbeatIntervalSeconds, cluster.AcceptableHeartbeatPauseSeconds, cluster.StableAfterSeconds));
    }

    [Fact]
    public void The_akka_configuration_carries_the_section_keep_majority_and_remembered_cameras_on_local_disk()
    {
        var cluster = new ClusterConfig(Name: "site-a", Host: "10.0.0.7", Port: 4100, Seeds: ["10.0.0.5:4100", "10.0.0.6:4101"], Roles: ["gpu"],
            DataFolder: "/var/lib/streamlrcn/cluster", AcceptableHeartbeatPauseSeconds: 4.5, StableAfterSeconds: 6);
        cluster.Validate();
        var hocon = ConfigurationFactory.ParseString(ClusterHocon.Build(cluster));
        Assert.Equal(["akka.tcp://site-a@10.0.0.5:4100", "akka.tcp://site-a@10.0.0.6:4101"], hocon.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["gpu"], hocon.GetStringList("akka.cluster.roles"));
        Assert.Equal(("10.0.0.7", 4100), (hocon.GetString("akka.remote.dot-netty.tcp.public-hostname"), hocon.GetInt("akka.remote.dot-netty.tcp.port")));
        Assert.Equal("keep-majority", hocon.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(6), hocon.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromSeconds(4.5), hocon.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.True(hocon.GetBoolean("akka.cluster.sharding.remember-entities"));
        Assert.Equal("ddata", hocon.GetString("akka.cluster.sharding.remember-entities-store"));
        Assert.Equal("/var/lib/streamlrcn/cluster", hocon.GetString("akka.cluster.sharding.distributed-data.durable.file.dir"));
        Assert.Equal(typeof(FileDurableStore), Type.GetType(hocon.GetString("akka.cluster.sharding.distributed-data.durable.store-actor-class")));
    }

    [Fact]
    public void Discovery_replaces_the_seeds_with_Cluster_Bootstrap_over_the_listed_contact_points()
    {
        var config = Load(Cameras + """
            cluster:
              name: site-a
              host: 10.0.0.7
              port: 4100
              bindHost: 0.0.0.0
              discovery:
                managementPort: 8600
                contactPoints: ["10.0.0.5:8600", "10.0.0.6:8600", "10.0.0.7:8600"]
                requiredContactPoints: 3
            """);
        config.Validate();
        var hocon = ConfigurationFactory.ParseString(ClusterHocon.Build(config.Cluster!));
        Assert.Empty(hocon.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(("10.0.0.7", 8600, "0.0.0.0"), (hocon.GetString("akka.management.http.hostname"), hocon.GetInt("akka.management.http.port"), hocon.GetString("akka.management.http.bind-hostname")));
        Assert.Equal(("site-a", "config", 3), (hocon.GetString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"),
            hocon.GetString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"),
            hocon.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr")));
        Assert.Equal(["10.0.0.5:8600", "10.0.0.6:8600", "10.0.0.7:8600"], hocon.GetStringList("akka.discovery.config.services.site-a.endpoints"));
        Assert.False(hocon.GetBoolean("akka.management.cluster.bootstrap.contact-point.filter-on-fallback-port"));
    }

    [Theory]
    [InlineData("cluster:\n  seeds: [\"a:1\"]\n  discovery: { contactPoints: [\"a:8558\"] }\n",
        "cluster.seeds and cluster.discovery: give one of them (fixed seeds, or Cluster Bootstrap through discovery), found both")]
    [InlineData("cluster:\n  discovery: { method: kubernetes-api, contactPoints: [\"a:8558\"] }\n",
        "cluster.discovery.method must be 'config' (contact points listed in the config; the Kubernetes API method cannot run with the packages served here), found 'kubernetes-api'")]
    [InlineData("cluster:\n  discovery: { managementPort: 4053, contactPoints: [\"a:8558\"] }\n", "cluster.discovery.managementPort must differ from cluster.port, found 4053 for both")]
    [InlineData("cluster:\n  discovery: { managementPort: 0, contactPoints: [\"a:8558\"] }\n", "cluster.discovery.managementPort must be 1-65535, found 0")]
    [InlineData("cluster:\n  discovery: {}\n", "cluster.discovery.contactPoints: at least one host:port (a node's management endpoint) is required")]
    [InlineData("cluster:\n  discovery: { contactPoints: [\"a:8558\", \"b\"] }\n", "cluster.discovery.contactPoints[1] must be host:port, found 'b': the port is missing")]
    [InlineData("cluster:\n  discovery: { contactPoints: [\"a:8558\", \"a:8558\"] }\n", "cluster.discovery.contactPoints lists 'a:8558' twice")]
    [InlineData("cluster:\n  discovery: { contactPoints: [\"a:8558\"] }\n", "cluster.discovery.requiredContactPoints must be 1 to the number of contact points (1), found 2")]
    public void Bad_discovery_settings_are_named_with_the_value_found(string section, string expected)
    {
        Assert.Equal(expected, ErrorOf(Cameras + section).Split("; list the same", 2)[0]);
    }

    [Theory]
    [InlineData("cluster:\n  port: 4100\n", "cluster.seeds: at least one seed (host:port) is required")]
    [InlineData("cluster:\n  seeds: [\"10.0.0.5\"]\n", "cluster.seeds[0] must be host:port, found '10.0.0.5': the port is missing")]
    [InlineData("cluster:\n  seeds: [\"a:1\", \"akka.tcp://x@b:2\"]\n", "cluster.seeds[1] must be host:port, found 'akka.tcp://x@b:2': write only host:port")]
    [InlineData("cluster:\n  seeds: [\"a:70000\"]\n", "cluster.seeds[0] must be host:port, found 'a:70000': the port must be 1-65535")]
    [InlineData("cluster:\n  seeds: [\"a:1\", \"a:1\"]\n", "cluster.seeds lists 'a:1' twice")]
    [InlineData("cluster:\n  port: 0\n  seeds: [\"a:1\"]\n", "cluster.port must be 1-65535, found 0")]
    [InlineData("cluster:\n  name: \"my cluster\"\n  seeds: [\"a:1\"]\n", "cluster.name must be letters, digits, '_' or '-'")]
    [InlineData("cluster:\n  host: \"\"\n  seeds: [\"a:1\"]\n", "cluster.host must be the host name or IP address other nodes reach this node at, found ''")]
    [InlineData("cluster:\n  roles: [GPU]\n  seeds: [\"a:1\"]\n", "cluster.roles[0] must be lower-case letters, digits, '_' or '-', found 'GPU'")]
    [InlineData("cluster:\n  stableAfterSeconds: 0\n  seeds: [\"a:1\"]\n", "cluster.stableAfterSeconds must be a number of seconds above 0 and at most 3600, found 0")]
    [InlineData("cluster:\n  heartbeatIntervalSeconds: 2\n  acceptableHeartbeatPauseSeconds: 1\n  seeds: [\"a:1\"]\n",
        "cluster.acceptableHeartbeatPauseSeconds must be at least heartbeatIntervalSeconds (2), found 1")]
    public void Bad_cluster_settings_are_named_with_the_value_found(string section, string expected)
    {
        Assert.StartsWith(expected, ErrorOf(Cameras + section));
    }

    [Fact]
    public void Unknown_cluster_key_is_named_with_the_keys_the_section_knows()
    {
        var message = Assert.Throws<ConfigException>(() => Load(Cameras + "cluster:\n  seed: [\"a:1\"]\n")).Message;
        Assert.Contains("field 'cluster.seed': unknown key 'seed'; known keys here: name, host, port, seeds, roles, dataFolder", message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
