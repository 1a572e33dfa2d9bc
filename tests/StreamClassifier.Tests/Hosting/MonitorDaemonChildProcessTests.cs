using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Hosting;

/// <summary>
/// What the daemon's ffmpeg children are to the rest of the machine: the real daemon, the real
/// GStreamer RTSP server and real ffmpeg processes, seen through /proc like any local user sees them.
/// </summary>
public sealed class MonitorDaemonChildProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static bool Labelled(MonitorProcess daemon, string camera) =>
        daemon.Events().Any(e => e.GetProperty("type").GetString() == "label" && e.TryGetProperty("camera", out var c) && c.GetString() == camera);

    [Fact]
    public async Task SIGKILL_of_the_daemon_while_its_cameras_are_silent_leaves_no_ffmpeg_behind()
    {
        string[] names = ["cam0", "cam1"];
        using var server = RtspTestServer.Start(names);
        using var folder = new TempDirectory();
        // A socket timeout far beyond the wait below: a child that outlives the daemon cannot be rescued by it.
        using var daemon = MonitorProcess.Start(folder.Path, DaemonConfig.Yaml(names.Select(n => (n, server.Url(n))), FreePort.Next(), connectTimeoutSeconds: 120, frozenAfterSeconds: 120));
        await Eventually.True(() => names.All(n => Labelled(daemon, n)), Patience, "a label from each camera");
        var ffmpegs = Posix.Children(daemon.Pid).Where(c => c.Command == "ffmpeg").Select(c => c.Pid).ToArray();
        Assert.Equal(names.Length, ffmpegs.Length);

        // Silent cameras: ffmpeg waits on a socket and writes nothing, so no broken pipe would end it.
        server.Freeze();
        daemon.Signal(Posix.SigKill);
        Assert.True(daemon.WaitForExit(Patience), "the daemon did not die of SIGKILL");
        try
        {
            await Eventually.True(() => !ffmpegs.Any(Posix.IsAlive), TimeSpan.FromSeconds(10), "every ffmpeg of the killed daemon to end");
        }
        finally
        {
            foreach (var survivor in ffmpegs.Where(Posix.IsAlive))
            {
                output.WriteLine($"ffmpeg {survivor} survived the daemon: {Posix.CommandLine(survivor)}");
                Posix.Signal(survivor, Posix.SigKill);
            }
        }
    }
}
