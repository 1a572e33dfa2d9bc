using System.Text.Json;
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

    private static IEnumerable<JsonElement> OfType(MonitorProcess daemon, string type, string camera) =>
        daemon.Events().Where(e => e.GetProperty("type").GetString() == type && e.TryGetProperty("camera", out var c) && c.GetString() == camera);

    private static bool Labelled(MonitorProcess daemon, string camera) => OfType(daemon, "label", camera).Any();

    [Fact]
    public async Task Camera_credentials_are_in_no_command_line_of_any_process_and_the_camera_is_labelled()
    {
        // A quote in the password: the input script must quote it for ffmpeg to read it back whole.
        const string User = "viewer", Password = "s3cr'et-Pw9", Wrong = "wrong-pw";
        using var server = RtspTestServer.Start(["cam0", "cam1"], credentials: (User, Password));
        using var folder = new TempDirectory();
        using var daemon = MonitorProcess.Start(folder.Path,
            DaemonConfig.Yaml([("good", server.Url("cam0", User, Password)), ("wrong", server.Url("cam1", User, Wrong))], FreePort.Next()));

        // Every process on the machine, scanned until the daemon has been seen running both ffmpeg (good) and ffprobe (wrong, retrying).
        var leaks = new HashSet<string>();
        var children = new HashSet<string>();
        await Eventually.True(() =>
        {
            foreach (var pid in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(int.Parse!))
            {
                var commandLine = Posix.CommandLine(pid);
                if (commandLine.Contains(Password, StringComparison.Ordinal) || commandLine.Contains(Wrong, StringComparison.Ordinal))
                    leaks.Add($"{pid}: {commandLine}");
            }
            children.UnionWith(Posix.Children(daemon.Pid).Select(c => c.Command));
            return Labelled(daemon, "good") && children.IsSupersetOf(["ffmpeg", "ffprobe"]) && OfType(daemon, "stream_down", "wrong").Any();
        }, Patience, "a label from the camera with the right password, ffmpeg and ffprobe children, and the wrong password refused");

        Assert.Empty(leaks);
        Assert.Contains("401 Unauthorized", OfType(daemon, "stream_down", "wrong").First().GetProperty("reason").GetString());
        var ffmpeg = Posix.Children(daemon.Pid).First(c => c.Command == "ffmpeg");
        Assert.Contains("-i pipe:0", Posix.CommandLine(ffmpeg.Pid));

        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(Patience), "the daemon did not stop after SIGTERM");
        Assert.Equal(0, daemon.ExitCode);
        var everything = daemon.Output + File.ReadAllText(daemon.EventsPath) + string.Concat(Directory.GetFiles(folder.File("logs")).Select(File.ReadAllText));
        Assert.DoesNotContain(Password, everything);
        Assert.DoesNotContain(Wrong, everything);
        Assert.Contains("rtsp://***@127.0.0.1", everything);
    }

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
