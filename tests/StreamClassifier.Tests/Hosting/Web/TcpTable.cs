using System.Globalization;

namespace StreamLrcn.Tests.Hosting.Web;

/// <summary>The kernel's IPv4 TCP sockets (<c>/proc/net/tcp</c>): whether a server still holds a connection from a given client port.</summary>
internal static class TcpTable
{
    /// <summary>True while a socket with local port <paramref name="serverPort"/> and remote port <paramref name="clientPort"/> exists (in any state but TIME_WAIT).</summary>
    public static bool ServerHolds(int serverPort, int clientPort) =>
        File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => Port(f[1]) == serverPort && Port(f[2]) == clientPort && f[3] != "06");

    private static int Port(string address) => int.Parse(address[(address.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
