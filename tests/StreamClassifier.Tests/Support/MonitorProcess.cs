using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace StreamLrcn.Tests.Support;

/// <summary>
/// The real daemon (<c>StreamClassifier monitor --config …</c>) as a child process in a temporary
/// folder, with its console output captured and its events file readable as it grows.
/// </summary>
internal sealed class MonitorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private MonitorProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Directory { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string EventsPath => Path.Combine(Directory, "events.jsonl");

    public string LabelsPath => Path.Combine(Directory, "labels.jsonl");

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Writes <paramref name="config"/> (YAML) to the folder and starts the daemon on it.</summary>
    public static MonitorProcess Start(string directory, string config, string configName = "monitor.yaml")
    {
        var path = Path.Combine(directory, configName);
        File.WriteAllText(path, config);
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { RepoPaths.DaemonDll, "monitor", "--config", path })
            info.ArgumentList.Add(argument);
        return new MonitorProcess(Process.Start(info)!, directory);
    }

    /// <summary>The events written so far (whole lines only).</summary>
    public IReadOnlyList<JsonElement> Events() => ReadJsonLines(EventsPath);

    public IReadOnlyList<JsonElement> Labels() => ReadJsonLines(LabelsPath);

    public static IReadOnlyList<JsonElement> ReadJsonLines(string path)
    {
        if (!File.Exists(path))
            return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(stream).ReadToEnd();
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        return complete.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
    }

    public void Signal(int signal) => Posix.Signal(_process.Id, signal);

    /// <summary>Waits for the exit and for the captured output to be complete.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            return false;
        _process.WaitForExit();
        return true;
    }

    public int ExitCode => _process.ExitCode;

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
