using StreamLrcn.Cli;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cli;

/// <summary>A monitor configuration that cannot run: exit code 2, the field, what it takes and what was found; no stack trace, no secret.</summary>
public sealed class MonitorBadConfigTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private Support.Cli.Result Monitor(string yamlAfterModel)
    {
        var path = _directory.File("monitor.yaml");
        File.WriteAllText(path, $"model: {RepoPaths.DefaultModel}\n" + yamlAfterModel);
        return Support.Cli.Run(TimeSpan.FromMinutes(1), "monitor", "--config", path);
    }

    private const string Camera = "cameras:\n  - name: door\n    url: rtsp://127.0.0.1:1/x\n";

    [Theory]
    [InlineData(Camera + "outputs: { events: /proc/1/events.jsonl }\n", "outputs.events must be a file the daemon can write, found '/proc/1/events.jsonl'")]
    [InlineData(Camera + "outputs: { labels: /proc/1/labels.jsonl }\n", "outputs.labels must be a file the daemon can write, found '/proc/1/labels.jsonl'")]
    [InlineData(Camera + "? [a, b]\n: 1\n", "line 5, column 3: expected a key in plain text, found a list used as a key")]
    [InlineData(Camera + "http: { address: 999.1.1.1 }\n", "http.address must be an IP address (127.0.0.1, 0.0.0.0, ::1) or a host name to listen on, found '999.1.1.1'")]
    [InlineData(Camera + "    frozenAfterSeconds: -5\n", "cameras[0].frozenAfterSeconds must be a positive number of seconds, found -5")]
    [InlineData("precision: fp8\n" + Camera, "precision must be auto, fp32, fp16 or int8, found 'fp8'")]
    [InlineData("inFlight: -1\n" + Camera, "inFlight must be 0 (per device) or more, found -1")]
    [InlineData("batchDeadlineMs: -3\n" + Camera, "batchDeadlineMs must be milliseconds from 0 to 1e9, found -3")]
    [InlineData("cudnnSearch: FAST\n" + Camera, "cudnnSearch must be EXHAUSTIVE, HEURISTIC or DEFAULT, found 'FAST'")]
    [InlineData("defaults: { connectTimeoutSeconds: 0 }\n" + Camera, "defaults.connectTimeoutSeconds must be a positive number of seconds, found 0")]
    [InlineData("cameras:\n  - name: door\n    url: rtsp://u:${STREAMLRCN_TEST_UNSET_VARIABLE}@h/x\n", "field 'cameras[0].url': environment variable 'STREAMLRCN_TEST_UNSET_VARIABLE' is not set")]
    public void A_bad_configuration_exits_2_naming_the_field_what_it_takes_and_what_was_found(string yaml, string expected)
    {
        var run = Monitor(yaml);

        Assert.True(run.ExitCode == ExitCodes.InvalidSetup, run.AllOutput);
        Assert.Contains(expected, run.AllOutput);
        CliAssert.NoStackTrace(run);
    }

    [Theory]
    [InlineData("rtsp://viewer:hunt@er2@10.0.0.5/s1", "has an '@' inside its user name or password: write it as %40")]
    [InlineData("rtsp://viewer:hunt er2@10.0.0.5/s1", "must not contain spaces or line breaks")]
    [InlineData("rtsp://viewer:hunt/er2@10.0.0.5:bad/s1", "cameras[0].url must be an absolute URL")]
    public void A_malformed_camera_url_is_reported_without_any_part_of_its_password(string url, string expected)
    {
        var run = Monitor($"cameras:\n  - name: door\n    url: \"{url}\"\n");

        Assert.True(run.ExitCode == ExitCodes.InvalidSetup, run.AllOutput);
        Assert.Contains(expected, run.AllOutput);
        Assert.DoesNotContain("hunt", run.AllOutput);
        Assert.DoesNotContain("er2", run.AllOutput);
        CliAssert.NoStackTrace(run);
    }

    public void Dispose() => _directory.Dispose();
}
