using System.Diagnostics;

namespace StreamLrcn.Tests.Support;

/// <summary>
/// GStreamer's RTSP server (scripts/rtsp-test-server.py, run by /usr/bin/python3) on 127.0.0.1,
/// serving a live x264 test pattern on each mount. Can be killed, restarted on the same port,
/// frozen (SIGSTOP) and resumed. With credentials it refuses clients that do not present them
/// (basic auth); they reach the server through its environment, not its command line.
/// </summary>
internal sealed class RtspTestServer : IDisposable
{
    private readonly string[] _mounts;
    private readonly int _width, _height, _fps;
    private readonly (string User, string Password)? _credentials;
    private Process? _process;

    private RtspTestServer(string[] mounts, int width, int height, int fps, (string User, string Password)? credentials)
    {
        (_mounts, _width, _height, _fps, _credentials) = (mounts, width, height, fps, credentials);
    }

    public int Port { get; private set; }

    /// <summary>When the last start finished (the server listens).</summary>
    public DateTime ReadyAtUtc { get; private set; }

    public static RtspTestServer Start(string[] mounts, int width = 160, int height = 120, int fps = 5, (string User, string Password)? credentials = null)
    {
        var server = new RtspTestServer(mounts, width, height, fps, credentials);
        server.Launch(0);
        return server;
    }

    public string Url(string mount) => $"rtsp://127.0.0.1:{Port}/{mount}";

    /// <summary>The mount's URL with <paramref name="user"/> and <paramref name="password"/> as they are, not percent-encoded.</summary>
    public string Url(string mount, string user, string password) => $"rtsp://{user}:{password}@127.0.0.1:{Port}/{mount}";

    public void Restart() => Launch(Port);

    public void Kill()
    {
        if (_process is null)
            return;
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Freeze() => Posix.Signal(_process!.Id, Posix.SigStop);

    public void Resume() => Posix.Signal(_process!.Id, Posix.SigCont);

    private void Launch(int port)
    {
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_credentials is var (user, password))
            info.Environment["RTSP_TEST_AUTH"] = $"{user}:{password}";
        foreach (var argument in new[] { RepoPaths.Script("rtsp-test-server.py"), "--port", port.ToString(), "--mounts", string.Join(',', _mounts),
                     "--width", _width.ToString(), "--height", _height.ToString(), "--fps", _fps.ToString() })
            info.ArgumentList.Add(argument);
        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(20)) || line.Result is not { } ready || !ready.StartsWith("ready ", StringComparison.Ordinal))
        {
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException($"the RTSP test server did not start on port {port}");
        }
        Port = int.Parse(ready["ready ".Length..]);
        ReadyAtUtc = DateTime.UtcNow;
        _process = process;
    }

    public void Dispose()
    {
        if (_process is { } p)
        {
            try
            {
                Posix.Signal(p.Id, Posix.SigCont);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        Kill();
    }
}
