using System.Globalization;

namespace StreamLrcn.Tests.Support;

/// <summary>The YAML the daemon tests start <c>monitor</c> with: one CNN thread, hysteresis off, short timeouts and backoff.</summary>
internal static class DaemonConfig
{
    /// <param name="extraOutputs">Lines added under <c>outputs:</c>, indented by two spaces.</param>
    /// <param name="defaults">Lines added under <c>defaults:</c>, indented by two spaces.</param>
    /// <param name="connectTimeoutSeconds">Also ffmpeg's socket timeout.</param>
    public static string Yaml(IEnumerable<(string Name, string Url)> cameras, int httpPort, string extraOutputs = "", string defaults = "",
        double connectTimeoutSeconds = 4, double frozenAfterSeconds = 2)
    {
        var yaml = string.Create(CultureInfo.InvariantCulture, $"""
            model: {RepoPaths.DefaultModel}
            device: cpu
            threads: 1
            batch: 4
            defaults:
              minConfidence: 0
              minDurationSeconds: 0
              connectTimeoutSeconds: {connectTimeoutSeconds}
              frozenAfterSeconds: {frozenAfterSeconds}
              backoff: {"{"} initialSeconds: 0.2, maxSeconds: 0.5, jitter: 0.2 {"}"}
            {defaults}
            outputs:
              events: events.jsonl
              log: logs/monitor-.log
            {extraOutputs}
            http:
              port: {httpPort}
            cameras:

            """);
        foreach (var (name, url) in cameras)
            yaml += $"  - name: {name}\n    url: \"{url}\"\n";
        return yaml;
    }
}
