using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StreamLrcn.Diagnostics;

namespace StreamLrcn.Capture;

/// <summary>
/// Start-up of child processes (ffmpeg, ffprobe) that die with their parent however it dies, SIGKILL
/// included. On Linux the program runs through util-linux <c>setpriv --pdeathsig KILL</c>, which sets
/// <c>PR_SET_PDEATHSIG</c> and then execs the program in the same process, so the pid, the pipes and
/// <see cref="Process.Kill(bool)"/> are the program's own. Without it a killed daemon left ffmpeg
/// blocked on a silent camera until its socket timeout expired, as an orphan of pid 1.
/// <para>
/// The kernel sends the signal when the <em>thread</em> that forked the child ends, not the
/// process: <see cref="Process.Start()"/> forks on the calling thread, so the caller must be a
/// thread that outlives the child (the source's capture thread, which runs until the source is
/// interrupted; a thread-pool thread may retire and take a running child with it).
/// </para>
/// </summary>
internal static class ParentDeathSignal
{
    private static readonly Lazy<string?> Setpriv = new(() =>
    {
        var path = OperatingSystem.IsLinux() ? FindOnPath("setpriv") : null;
        if (path is null && OperatingSystem.IsLinux())
            RuntimeLog.For(typeof(ParentDeathSignal)).LogWarning("setpriv (util-linux) not found on PATH: ffmpeg children can outlive the daemon if it is killed");
        return path;
    });

    /// <summary>Start information for <paramref name="program"/> with <paramref name="arguments"/>, wrapped in setpriv where it exists.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        // A program that is not installed is started unwrapped, so that Process.Start reports it as
        // missing rather than setpriv failing inside a child that looks like a failed stream.
        var resolved = Setpriv.Value is null ? null : FindOnPath(program);
        var info = new ProcessStartInfo(resolved is null ? program : Setpriv.Value!);
        if (resolved is not null)
        {
            foreach (var argument in new[] { "--pdeathsig", "KILL", "--", resolved })
                info.ArgumentList.Add(argument);
        }
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        return info;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
