using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StreamLrcn.Tests.Support;

/// <summary>
/// HTTP/1.1 spoken over a plain socket, for what <see cref="HttpClient"/> hides: whether a HEAD
/// response really carries no body, and clients that send their request slowly.
/// </summary>
internal static class RawHttp
{
    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return socket;
    }

    /// <summary>Sends <paramref name="request"/> and returns everything the server sends until it closes the connection.</summary>
    public static async Task<string> ExchangeAsync(int port, string request, TimeSpan timeout)
    {
        using var socket = await ConnectAsync(port);
        using var cancellation = new CancellationTokenSource(timeout);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellation.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation.Token)) > 0)
            received.Write(buffer, 0, read);
        return Encoding.ASCII.GetString(received.ToArray());
    }
}
