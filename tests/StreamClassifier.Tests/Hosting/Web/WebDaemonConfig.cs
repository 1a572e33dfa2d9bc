using System.Globalization;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Hosting.Web;

/// <summary>
/// The YAML the web tests start <c>monitor</c> with: one CNN thread, each camera at a known rate
/// (so frame times are exact), a labels file to count frames against, and a <c>recording:</c> section.
/// </summary>
internal static class WebDaemonConfig
{
    public static string Yaml(IEnumerable<(string Name, string Url)> cameras, int httpPort, int fps, string recording,
        double minDurationSeconds = 0, string http = "", string address = "127.0.0.1", IReadOnlyDictionary<string, string>? cameraKeys = null, string? model = null)
    {
        var yaml = string.Create(CultureInfo.InvariantCulture, $"""
            model: {model ?? RepoPaths.DefaultModel}
            device: cpu
            threads: 1
            batch: 4
            defaults:
              fps: {fps}
              minConfidence: 0
              minDurationSeconds: {minDurationSeconds}
              connectTimeoutSeconds: 4
              frozenAfterSeconds: 2
              backoff: {"{"} initialSeconds: 0.2, maxSeconds: 0.5, jitter: 0.2 {"}"}
            outputs:
              events: events.jsonl
              labels: labels.jsonl
              log: logs/monitor-.log
            http:
              address: "{address}"
              port: {httpPort}
            {http}
            recording:
            {recording}
            cameras:

            """);
        foreach (var (name, url) in cameras)
        {
            yaml += $"  - name: {name}\n    url: \"{url}\"\n";
            if (cameraKeys?.GetValueOrDefault(name) is { } keys)
                yaml += $"    {keys}\n";
        }
        return yaml;
    }
}
