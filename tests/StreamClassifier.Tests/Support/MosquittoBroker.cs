using System.Diagnostics;
using System.Net.Sockets;

namespace StreamLrcn.Tests.Support;

/// <summary>
/// A real mosquitto broker on a free 127.0.0.1 port, anonymous, no persistence (a restart forgets
/// every retained message, like a broker that lost its disk); can be frozen (SIGSTOP), killed and
/// restarted on the same port. Stopped on dispose.
/// </summary>
internal sealed class MosquittoBroker : IDisposable
{
    private readonly string _directory;
    private Process? _process;

    private MosquittoBroker(string directory, int port)
    {
        (_directory, Port) = (directory, port);
    }

    public int Port { get; }

    public static MosquittoBroker Start()
    {
        var broker = new MosquittoBroker(Directory.CreateTempSubdirectory("streamlrcn-mqtt-").FullName, FreePort.Next());
        broker.Restart();
        return broker;
    }

    /// <summary>Starts a fresh broker process on <see cref="Port"/> (after <see cref="Kill"/>) and waits until it accepts connections.</summary>
    public void Restart()
    {
        var config = Path.Combine(_directory, "mosquitto.conf");
        File.WriteAllText(config, $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        var info = new ProcessStartInfo("mosquitto") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config);
        var process = Process.Start(info)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Freeze() => Posix.Signal(_process!.Id, Posix.SigStop);

    public void Resume() => Posix.Signal(_process!.Id, Posix.SigCont);

    /// <summary>SIGKILL: the broker dies with its retained messages; clients see their connections reset.</summary>
    public void Kill()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
            Resume();
        Kill();
        Directory.Delete(_directory, recursive: true);
    }
}
