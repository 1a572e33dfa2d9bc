using System.Collections.Concurrent;
using System.Diagnostics;

namespace StreamLrcn.Tests.Support;

/// <summary>
/// The real StreamClassifier program started as a child process that keeps running while the test
/// drives it (a live window); its output is collected line by line as it comes.
/// </summary>
public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    public RunningCli(params string[] arguments)
    {
        _process = Process.Start(Cli.StartInfo(arguments))!;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    /// <summary>Waits until a line containing <paramref name="text"/> has been printed; false when the process exits or the timeout passes first.</summary>
    public async Task<bool> WaitForLineAsync(string text, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                return true;
            if (_process.HasExited)
            {
                // Lines printed just before the exit may still be on their way.
                await _process.WaitForExitAsync(CancellationToken.None);
                return _lines.Any(l => l.Contains(text, StringComparison.Ordinal));
            }
            try
            {
                await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Waits for the exit and returns its code; kills the process and throws when it does not exit in time.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"StreamClassifier did not exit within {timeout}; its output:\n{Output}");
        }
        return _process.ExitCode;
    }

    private void Add(string? line)
    {
        if (line is null)
            return;
        _lines.Enqueue(line);
        _lineArrived.Release();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _lineArrived.Dispose();
    }
}
