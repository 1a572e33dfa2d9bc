using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Hosting;

/// <summary>
/// The daemon under systemd (<c>Type=notify</c>, deploy/streamlrcn-monitor.service). No systemd runs
/// here, so the test plays its part: the daemon's parent process is named <c>systemd</c> (how
/// Microsoft.Extensions.Hosting.Systemd recognises a service) and the test listens on the
/// <c>NOTIFY_SOCKET</c> datagram socket systemd would pass.
/// </summary>
public sealed class MonitorSystemdTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Under_systemd_the_daemon_notifies_ready_once_started_and_stopping_on_SIGTERM()
    {
        var socketPath = _directory.File("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        notify.ReceiveTimeout = 60_000;
        var configPath = _directory.File("monitor.yaml");
        File.WriteAllText(configPath, DaemonConfig.Yaml([("door", "rtsp://127.0.0.1:1/none")], FreePort.Next()));
        var systemd = _directory.File("systemd");
        File.CreateSymbolicLink(systemd, "/bin/sh");

        // sh named systemd runs the daemon as its child (the '; true' keeps sh from exec'ing it).
        var info = new ProcessStartInfo(systemd) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory.Path };
        foreach (var argument in new[] { "-c", $"dotnet '{RepoPaths.DaemonDll}' monitor --config '{configPath}'; true" })
            info.ArgumentList.Add(argument);
        info.Environment["NOTIFY_SOCKET"] = socketPath;
        using var parent = Process.Start(info)!;
        var output = parent.StandardOutput.ReadToEndAsync();
        var errors = parent.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal("READY=1", Receive(notify));
            var daemon = Posix.Children(parent.Id).Single(c => c.Command == "dotnet");

            Posix.Signal(daemon.Pid, Posix.SigTerm);

            Assert.Equal("STOPPING=1", Receive(notify));
            Assert.True(parent.WaitForExit(30_000), "the daemon did not stop within 30 s of SIGTERM");
            Assert.Contains("daemon_stopped", File.ReadAllText(_directory.File("events.jsonl")));
        }
        finally
        {
            if (!parent.HasExited)
                parent.Kill(entireProcessTree: true);
            parent.WaitForExit();
        }
        Assert.DoesNotContain("Unhandled exception", output.Result + errors.Result);
    }

    private static string Receive(Socket socket)
    {
        var buffer = new byte[512];
        var length = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }

    [Fact]
    public void The_shipped_unit_runs_the_published_daemon_as_a_notify_service_with_its_own_user_and_hardening()
    {
        var unit = File.ReadAllLines(Path.Combine(RepoPaths.Root, "deploy", "streamlrcn-monitor.service"))
            .Where(l => l.Contains('=') && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToLookup(p => p[0].Trim(), p => p[1].Trim());

        Assert.Equal("notify", unit["Type"].Single());
        Assert.Equal("streamlrcn", unit["User"].Single());
        Assert.Equal("/opt/streamlrcn/StreamClassifier monitor --config /etc/streamlrcn/monitor.yaml", unit["ExecStart"].Single());
        Assert.Equal("on-failure", unit["Restart"].Single());
        Assert.Equal("2", unit["RestartPreventExitStatus"].Single()); // a config error is not retried
        foreach (var (key, value) in new[] { ("NoNewPrivileges", "true"), ("ProtectSystem", "strict"), ("ProtectHome", "true"), ("PrivateTmp", "true") })
            Assert.Equal(value, unit[key].Single());
        Assert.Empty(unit["MemoryDenyWriteExecute"]); // the JIT needs writable code pages
        Assert.Contains("MALLOC_ARENA_MAX=2", unit["Environment"]); // glibc reads it before the daemon starts
    }
}
