using System.Net;
using Akka.Actor;
using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Ceen.Httpd;
using Serilog;
using StreamLrcn.Hosting;

namespace StreamLrcn.Cluster;

/// <summary>
/// Akka.Management's HTTP routes on this node's management port: Cluster Bootstrap's
/// <c>/bootstrap/seed-nodes</c>, which the other nodes probe to find the cluster or form it, and
/// Akka.Management's others (<c>/remote/address</c>, <c>/cluster-client/receptionist</c>).
/// Started by <see cref="ClusterNode"/> before Cluster Bootstrap, disposed when the node leaves.
/// <para>
/// <c>AkkaManagement.Start()</c> cannot bind them with the packages served here: Akka.Management
/// 1.5.73 binds through Akka.Http.Shim 1.5.73, built against Ceen.Httpd 0.9.9, and calls
/// <c>HttpServer.ListenAsync(IPEndPoint, bool, ServerConfig, CancellationToken)</c>, which Ceen.Httpd
/// 0.9.10 (the only version served) replaced by <c>ListenAsync(EndPoint, …)</c>: MissingMethodException.
/// So the routes come from <c>AkkaManagement.Routes()</c>, Akka.Management's way to serve them from
/// another server (it also gives Cluster Bootstrap this node's contact point), and Ceen.Httpd 0.9.10
/// serves them through Akka.Http.Shim's own router, as the shim would.
/// </para>
/// </summary>
internal sealed class ManagementEndpoint : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _server;

    private ManagementEndpoint(ActorSystem system, IPEndPoint endpoint)
    {
        var config = new ServerConfig { Router = new AkkaRouter(system, AkkaManagement.Get(system).Routes()) };
        // Ceen binds before its first await: a port in use faults the task at once.
        _server = HttpServer.ListenAsync(endpoint, false, config, _stop.Token);
        if (_server.IsFaulted)
        {
            var reason = _server.Exception!.GetBaseException().Message;
            throw new ConfigException($"cluster.discovery.managementPort: cannot listen on {endpoint}: {reason}");
        }
    }

    /// <summary>Serves the routes on <paramref name="bindHost"/>:<paramref name="port"/>; throws <see cref="ConfigException"/> when that address cannot be bound.</summary>
    public static ManagementEndpoint Start(ActorSystem system, string bindHost, int port)
    {
        var address = IPAddress.TryParse(bindHost.Trim('[', ']'), out var parsed)
            ? parsed
            : Dns.GetHostAddresses(bindHost).FirstOrDefault() ?? throw new ConfigException($"cluster.bindHost / cluster.host '{bindHost}' has no address to listen on");
        var endpoint = new ManagementEndpoint(system, new IPEndPoint(address, port));
        Log.Information("Akka.Management endpoint (Cluster Bootstrap) on http://{Host}:{Port}/", bindHost, port);
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            // Ceen waits for the requests in flight (a probe from another node answers in milliseconds).
            await _server.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            Log.Warning("Akka.Management endpoint stopped with: {Reason}", ex.Message);
        }
        _stop.Dispose();
    }
}
