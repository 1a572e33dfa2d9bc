using StreamLrcn.Cli;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Hosting;

/// <summary><c>monitor --check</c> against the real RTSP test server: a table of what each camera answered, and nothing started.</summary>
public sealed class MonitorCheckTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Check_reads_one_frame_per_camera_prints_its_size_and_exits_2_naming_the_camera_that_did_not_answer()
    {
        using var server = RtspTestServer.Start(["cam0"], width: 160, height: 120, fps: 5);
        var config = DaemonConfig.Yaml([("door", server.Url("cam0")), ("yard", server.Url("missing")), ("gate", server.Url("cam0", "viewer", "hunter2"))],
            FreePort.Next());
        var path = _directory.File("monitor.yaml");
        File.WriteAllText(path, config);

        var run = Support.Cli.Run(TimeSpan.FromMinutes(1), "monitor", "--check", "--config", path);

        Assert.True(run.ExitCode == ExitCodes.InvalidSetup, run.AllOutput);
        var lines = run.StandardOutput.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("door ", StringComparison.Ordinal) && l.Contains("reachable") && l.Contains("160x120 at 5 fps"));
        Assert.Contains(lines, l => l.StartsWith("yard ", StringComparison.Ordinal) && l.Contains("UNREACHABLE") && l.Contains("404 Not Found"));
        // A server without authentication serves any credentials; they are never printed.
        Assert.Contains(lines, l => l.StartsWith("gate ", StringComparison.Ordinal) && l.Contains("rtsp://***@127.0.0.1"));
        Assert.DoesNotContain("hunter2", run.AllOutput);
        Assert.Contains("1 of 3 camera(s) did not answer", run.StandardOutput);
        Assert.Contains("CNN: CPU", run.StandardOutput);
        // Nothing else started: no events file, no log file.
        Assert.False(File.Exists(_directory.File("events.jsonl")));
        Assert.False(Directory.Exists(_directory.File("logs")));
        CliAssert.NoStackTrace(run);
    }

    [Fact]
    public void Check_exits_0_when_every_camera_answers()
    {
        using var server = RtspTestServer.Start(["cam0", "cam1"]);
        var path = _directory.File("monitor.yaml");
        File.WriteAllText(path, DaemonConfig.Yaml([("a", server.Url("cam0")), ("b", server.Url("cam1"))], FreePort.Next()));

        var run = Support.Cli.Run(TimeSpan.FromMinutes(1), "monitor", "--check", "--config", path);

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        Assert.Contains("every camera answered", run.StandardOutput);
    }
}
