using System.Diagnostics;

namespace StreamLrcn.Tests.Support;

/// <summary>Runs the real StreamClassifier program (built next to the tests) as a child process.</summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public string AllOutput => StandardOutput + StandardError;
    }

    /// <summary>How to start the program built next to the tests with <paramref name="arguments"/>, output redirected.</summary>
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StreamClassifier.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }

    public static Result Run(params string[] arguments) => Run(TimeSpan.FromMinutes(3), arguments);

    public static Result Run(TimeSpan timeout, params string[] arguments)
    {
        var start = StartInfo(arguments);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"StreamClassifier {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
