using System.Globalization;

namespace StreamLrcn.Tests.Support;

/// <summary>Which processes hold a TCP connection to a local port (Linux /proc), to tell one RTSP server's ffmpeg clients from any other ffmpeg on the machine.</summary>
internal static class SocketPeers
{
    /// <summary>Live processes named <paramref name="command"/> with an established IPv4 connection to 127.0.0.1:<paramref name="port"/>.</summary>
    public static IReadOnlyList<int> ConnectedTo(int port, string command = "ffmpeg")
    {
        var inodes = ConnectionInodes(port);
        var found = new List<int>();
        if (inodes.Count == 0)
            return found;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != command || !Posix.IsAlive(pid))
                    continue;
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                    {
                        found.Add(pid);
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while looking, or someone else's process.
            }
        }
        return found;
    }

    /// <summary>Socket inodes of established connections whose remote end is 127.0.0.1:<paramref name="port"/>.</summary>
    private static HashSet<string> ConnectionInodes(int port)
    {
        var remote = "0100007F:" + port.ToString("X4", CultureInfo.InvariantCulture);
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
            if (fields.Length > 9 && fields[2] == remote && fields[3] == "01")
                inodes.Add(fields[9]);
        }
        return inodes;
    }
}
