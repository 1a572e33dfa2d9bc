using System.Runtime.InteropServices;

namespace StreamLrcn.Tests.Support;

/// <summary>Signals and process-tree facts the tests need (Linux).</summary>
internal static partial class Posix
{
    public const int SigKill = 9, SigTerm = 15, SigCont = 18, SigStop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Live (not zombie) processes whose parent is <paramref name="parent"/>, with their command names.</summary>
    public static IReadOnlyList<(int Pid, string Command)> Children(int parent)
    {
        var children = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // pid (comm) state ppid …; comm may hold spaces, so parse after the last ')'.
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            if (fields[0] != "Z" && int.Parse(fields[1]) == parent)
                children.Add((pid, stat[(stat.IndexOf('(') + 1)..close]));
        }
        return children;
    }

    /// <summary>The process's arguments joined by spaces; empty when it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
