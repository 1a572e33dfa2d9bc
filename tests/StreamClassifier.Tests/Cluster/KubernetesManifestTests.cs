using System.Text.RegularExpressions;
using StreamLrcn.Hosting;
using StreamLrcn.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace StreamLrcn.Tests.Cluster;

/// <summary>
/// deploy/k8s cannot run here; what can be checked is that every manifest is valid YAML of the
/// kinds it claims, that the pieces refer to each other (service, pod labels, ports, probes,
/// config mount, environment), and that the config it ships loads and validates as the daemon
/// would load it in a pod.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "deploy", "k8s");

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex EnvironmentReference();

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Folder, file))));
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            var mapping = Assert.IsType<YamlMappingNode>(node);
            Assert.True(mapping.Children.TryGetValue(new YamlScalarNode(key), out var child), $"key '{key}' missing");
            node = child;
        }
        return node;
    }

    private static string Text(YamlNode node, params string[] path) => Assert.IsType<YamlScalarNode>(At(node, path)).Value!;

    private static IEnumerable<YamlMappingNode> Items(YamlNode node, params string[] path) => Assert.IsType<YamlSequenceNode>(At(node, path)).Children.Cast<YamlMappingNode>();

    [Fact]
    public void Every_manifest_is_yaml_of_a_known_kind_and_the_kustomization_lists_them_all()
    {
        var files = Directory.GetFiles(Folder, "*.yaml").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["configmap.yaml", "kustomization.yaml", "service.yaml", "statefulset.yaml"], files);
        var kinds = files.Where(f => f != "kustomization.yaml").ToDictionary(f => f, f => (Text(Load(f), "apiVersion"), Text(Load(f), "kind")));
        Assert.Equal(("v1", "ConfigMap"), kinds["configmap.yaml"]);
        Assert.Equal(("v1", "Service"), kinds["service.yaml"]);
        Assert.Equal(("apps/v1", "StatefulSet"), kinds["statefulset.yaml"]);
        var resources = Assert.IsType<YamlSequenceNode>(At(Load("kustomization.yaml"), "resources")).Children.Select(r => ((YamlScalarNode)r).Value).Order();
        Assert.Equal(files.Where(f => f != "kustomization.yaml"), resources);
    }

    [Fact]
    public void The_statefulset_the_headless_service_and_the_shipped_config_agree_and_the_config_validates_as_a_pod_loads_it()
    {
        var set = Load("statefulset.yaml");
        var service = Load("service.yaml");
        var configMap = Load("configmap.yaml");
        var setName = Text(set, "metadata", "name");
        var serviceName = Text(service, "metadata", "name");
        Assert.Equal(serviceName, Text(set, "spec", "serviceName"));
        Assert.Equal("None", Text(service, "spec", "clusterIP"));
        Assert.Equal("true", Text(service, "spec", "publishNotReadyAddresses"));
        var podLabels = (YamlMappingNode)At(set, "spec", "template", "metadata", "labels");
        Assert.Equal(At(set, "spec", "selector", "matchLabels"), podLabels);
        Assert.Equal(At(service, "spec", "selector"), podLabels);
        var replicas = int.Parse(Text(set, "spec", "replicas"));
        Assert.True(replicas >= 3, "keep-majority needs at least three nodes to survive the loss of one");

        var container = Assert.Single(Items(set, "spec", "template", "spec", "containers"));
        var ports = Items(container, "ports").ToDictionary(p => Text(p, "name"), p => int.Parse(Text(p, "containerPort")));
        Assert.Equal(ports.Keys.Order(), Items(service, "spec", "ports").Select(p => Text(p, "targetPort")).Order());
        // http.auth guards /ready beyond loopback and a probe cannot carry a token: the probes connect to the HTTP port.
        Assert.Equal("http", Text(container, "readinessProbe", "tcpSocket", "port"));
        Assert.Equal("http", Text(container, "livenessProbe", "tcpSocket", "port"));
        var args = Assert.IsType<YamlSequenceNode>(At(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value!).ToArray();
        Assert.Equal("monitor", args[0]);
        var configPath = args[Array.IndexOf(args, "--config") + 1];
        var configMount = Items(container, "volumeMounts").Single(m => configPath.StartsWith(Text(m, "mountPath") + "/", StringComparison.Ordinal));
        var configVolume = Items(set, "spec", "template", "spec", "volumes").Single(v => Text(v, "name") == Text(configMount, "name"));
        Assert.Equal(Text(configMap, "metadata", "name"), Text(configVolume, "configMap", "name"));
        var configText = Text(configMap, "data", Path.GetFileName(configPath));

        // Every ${NAME} of the config is set in the pod's environment.
        var environment = Items(container, "env").Select(e => Text(e, "name")).ToHashSet();
        var referenced = EnvironmentReference().Matches(configText).Select(m => m.Groups["name"].Value).ToHashSet();
        Assert.Subset(environment, referenced);

        // The config as the third pod of namespace "video" loads it.
        var values = new Dictionary<string, string> { ["POD_NAME"] = $"{setName}-2", ["POD_NAMESPACE"] = "video" };
        foreach (var name in referenced)
            Environment.SetEnvironmentVariable(name, values.GetValueOrDefault(name, "a-test-value-of-32-characters-xx"));
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "monitor.yaml");
        File.WriteAllText(file, configText);
        var config = MonitorConfigLoader.Load(file);
        config.Validate();
        var cluster = config.Cluster!;
        Assert.Equal($"{setName}-2.{serviceName}.video.svc.cluster.local", cluster.Host);
        Assert.Equal(ports["akka-remote"], cluster.Port);
        Assert.Equal(ports["http"], config.HttpOrDefault.Port);
        Assert.Equal("0.0.0.0", config.HttpOrDefault.Address);
        Assert.NotNull(config.HttpOrDefault.Auth);
        Assert.NotEmpty(cluster.SeedAddresses);
        Assert.All(cluster.SeedAddresses, seed =>
        {
            var match = Regex.Match(seed.Host, $@"^{Regex.Escape(setName)}-(\d+)\.{Regex.Escape(serviceName)}\.video\.svc\.cluster\.local$");
            Assert.True(match.Success, $"seed {seed.Host} is not a pod of the StatefulSet under the headless service");
            Assert.InRange(int.Parse(match.Groups[1].Value), 0, replicas - 1);
            Assert.Equal(cluster.Port, seed.Port);
        });
        // Remembered cameras and events on the pod's own volume.
        var dataMount = Text(Items(container, "volumeMounts").Single(m => Text(m, "name") == Text(Assert.Single(Items(set, "spec", "volumeClaimTemplates")), "metadata", "name")), "mountPath");
        Assert.StartsWith(dataMount + "/", cluster.DataFolder);
        Assert.StartsWith(dataMount + "/", config.OutputsOrDefault.Events);
    }
}
