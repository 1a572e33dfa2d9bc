using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using StreamLrcn.Embedding;
using StreamLrcn.Hosting;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Architecture;

/// <summary>
/// The runtime is a library an application can take alone: no command line, hosting, MQTT,
/// Prometheus or Serilog in its references or its NuGet package, and no cycles between its namespaces.
/// </summary>
public sealed partial class AssemblyBoundaryTests
{
    /// <summary>Assemblies (by name prefix) that belong to the hosts, never to the runtime.</summary>
    private static readonly string[] HostOnly =
        ["System.CommandLine", "Spectre.Console", "MQTTnet", "Prometheus", "prometheus-net", "Serilog", "Microsoft.Extensions.Hosting", "Microsoft.AspNetCore", "YamlDotNet", "StreamLrcn.Daemon", "StreamLrcn.CommandLine", "StreamClassifier"];

    [Fact]
    public void The_runtime_assembly_references_no_host_assembly()
    {
        var references = typeof(StreamLabeller).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", references);
        Assert.Contains("Microsoft.ML.OnnxRuntime", references);
        Assert.Empty(references.Where(r => HostOnly.Any(h => r.StartsWith(h, StringComparison.OrdinalIgnoreCase))));
    }

    [Fact]
    public void The_daemon_sits_on_the_runtime_and_not_on_the_command_line()
    {
        var references = typeof(MonitorService).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.Contains("StreamLrcn.Runtime", references);
        Assert.DoesNotContain(references, r => r is "StreamClassifier" or "StreamLrcn.CommandLine" or "System.CommandLine" or "Spectre.Console");
    }

    [Theory]
    [InlineData("StreamLrcn.Runtime")]
    [InlineData("StreamLrcn.Daemon")]
    public void No_namespace_depends_on_itself_through_others(string project)
    {
        var graph = NamespaceGraph(Path.Combine(RepoPaths.Root, "src", project));
        Assert.NotEmpty(graph);
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"namespace cycle in {project}: {string.Join(" → ", cycle ?? [])}");
    }

    [Fact]
    public void The_cycle_finder_finds_a_cycle()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
        graph["C"].Clear();
        Assert.Null(FindCycle(graph));
    }

    [Fact]
    public void The_runtime_packs_without_the_host_packages_and_with_the_cnn()
    {
        using var dir = new TempDirectory();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        foreach (var project in new[] { "StreamLrcn.Runtime", "StreamLrcn.Daemon" })
        {
            var (exitCode, output) = Run("dotnet", "pack", Path.Combine(RepoPaths.Root, "src", project), "-c", configuration, "--no-build", "-o", dir.Path, "-nologo");
            Assert.True(exitCode == 0, output);
        }

        var runtime = Dependencies(Directory.GetFiles(dir.Path, "StreamLrcn.Runtime.*.nupkg").Single(), out var entries);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", runtime);
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", runtime);
        Assert.Empty(runtime.Where(d => HostOnly.Any(h => d.StartsWith(h, StringComparison.OrdinalIgnoreCase))));
        Assert.Contains("lib/net10.0/StreamLrcn.Runtime.dll", entries);
        Assert.Contains("contentFiles/any/any/cnn/ResNet18.onnx", entries);

        var daemon = Dependencies(Directory.GetFiles(dir.Path, "StreamLrcn.Daemon.*.nupkg").Single(), out _);
        Assert.Contains("StreamLrcn.Runtime", daemon);
        Assert.Contains("MQTTnet", daemon);
        Assert.DoesNotContain("System.CommandLine", daemon);
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 5 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static HashSet<string> Dependencies(string nupkg, out HashSet<string> entries)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToHashSet();
    }

    /// <summary>
    /// Namespace → the namespaces it imports or names, read from the sources. A nested namespace
    /// counts as its top-level one (<c>StreamLrcn.Hosting.Web</c> is part of <c>StreamLrcn.Hosting</c>):
    /// code sees its parent namespace without a using, so the unit that must not form cycles is the top-level one.
    /// </summary>
    private static Dictionary<string, HashSet<string>> NamespaceGraph(string folder)
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal))
                continue;
            var text = File.ReadAllText(file);
            if (NamespaceDeclaration().Match(text) is not { Success: true } declared)
                continue;
            var ns = TopLevel(declared.Groups[1].Value);
            var edges = graph.TryGetValue(ns, out var known) ? known : graph[ns] = [];
            foreach (Match m in UsingDirective().Matches(text))
                edges.Add(TopLevel(m.Groups[1].Value));
            foreach (Match m in QualifiedName().Matches(text))
                edges.Add(TopLevel(m.Groups[1].Value));
            edges.Remove(ns);
        }
        return graph;
    }

    private static string TopLevel(string ns) => string.Join('.', ns.Split('.').Take(2));

    /// <summary>A cycle as its path (first node repeated at the end), or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            if (path.IndexOf(node) is var at and >= 0)
                return [.. path[at..], node];
            if (!done.Add(node))
                return null;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
                if (Visit(next) is { } cycle)
                    return cycle;
            path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (Visit(node) is { } cycle)
                return cycle;
        return null;
    }

    [GeneratedRegex(@"^namespace (StreamLrcn[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^using (?:static )?(StreamLrcn\.[A-Z]\w*)", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\b(StreamLrcn\.[A-Z]\w*)\.[A-Z]")]
    private static partial Regex QualifiedName();
}
