using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using Serilog;
using Serilog.Extensions.Logging;

namespace StreamLrcn.Hosting;

/// <summary>
/// The daemon's HTTP server (Kestrel): <c>/metrics</c> (Prometheus text format from the daemon's
/// own registry), <c>/health</c> (liveness: JSON with every camera's state; 200 when every camera
/// is up, 503 otherwise) and <c>/ready</c> (readiness: 200 while <see cref="Ready"/>). GET and HEAD
/// only; other methods get 405. Each connection is served on its own, and Kestrel's limits drop
/// clients that send too slowly, too much or nothing at all, so one client cannot hold up a scrape.
/// The daemon creates it, starts it and disposes it: it lives exactly as long as the daemon's run.
/// </summary>
/// <param name="extend">Adds more to the app (the web interface's access control, API and pages) before it starts.</param>
public sealed class StatusServer(HttpConfig config, CollectorRegistry registry, Func<IReadOnlyList<CameraHealth>> health, Action<WebApplication>? extend = null) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
    private const string Cameras = "cameras";
    private const string LiveTag = "live";
    private const string ReadyTag = "ready";
    // Beyond Prometheus' scrape timeout an answer is of no use to anyone.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    // In-flight requests get this long when the daemon stops; idle keep-alive connections close at once.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(3);
    private WebApplication? _app;
    private volatile bool _ready;

    public string Prefix => $"http://{config.Address}:{config.Port}/";

    /// <summary>
    /// What <c>/ready</c> answers: set by the daemon once the model is loaded and the pipeline
    /// runs, cleared when the pipeline ends. False until then.
    /// </summary>
    public bool Ready
    {
        get => _ready;
        set => _ready = value;
    }

    /// <summary>Binds and starts serving; a bind failure (port in use, address not on this machine) is a <see cref="ConfigException"/>.</summary>
    public async Task StartAsync(CancellationToken cancellation)
    {
        // The empty builder reads no configuration files or environment, so nothing but http.* decides
        // where it listens, and it starts in milliseconds.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(Configure);
        // Through the daemon's Serilog logger, as a provider (not Serilog's logger factory) so that
        // filters apply: a failed start or stop reaches the daemon as an exception it reports itself,
        // without the host's own account of it (with a stack), and a camera that is down is logged
        // by its source, not again by every probe of /health.
        builder.Logging.AddProvider(new SerilogLoggerProvider())
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Error);
        // The daemon's own host handles SIGTERM and stops this server; a second console lifetime here
        // would stop it on its own.
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        builder.Services.AddRoutingCore();
        builder.Services.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy { Timeout = RequestTimeout });
        builder.Services.AddHealthChecks()
            .AddCheck(Cameras, CheckCameras, [LiveTag])
            .AddCheck("pipeline", () => _ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("model loading or pipeline stopped"), [ReadyTag]);
        var app = builder.Build();
        _app = app;
        app.UseRouting();
        app.UseRequestTimeouts();
        extend?.Invoke(app);
        var endpoints = app.MapGroup("").WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        endpoints.MapMetrics(settings => settings.Registry = registry, "/metrics");
        endpoints.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
            ResponseWriter = WriteHealthAsync,
        });
        endpoints.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException inUse)
        {
            throw new ConfigException($"http: cannot listen on {Prefix} ({inUse.Message}); choose another http.port", ex);
        }
        catch (SocketException ex)
        {
            throw new ConfigException($"http: cannot listen on {Prefix} ({ex.Message}); check http.address", ex);
        }
        Log.Information("Metrics on {Prefix}metrics, health on {Prefix}health, readiness on {Prefix}ready", Prefix, Prefix, Prefix);
    }

    private void Configure(KestrelServerOptions options)
    {
        options.AddServerHeader = false;
        var limits = options.Limits;
        // No endpoint reads a body: Kestrel drains an unread one for at most 5 s, then closes the
        // connection. The size and rate limits are for endpoints that will read one.
        limits.MaxRequestBodySize = 1024;
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
        // Prometheus scrapes every 15 s or so and keeps its connection; a forgotten one goes after this.
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        limits.MaxConcurrentConnections = 64;
        if (config.Address == "localhost")
            options.ListenLocalhost(config.Port, Http1Only);
        else if (IPAddress.TryParse(config.Address, out var address))
            options.Listen(address, config.Port, Http1Only);
        else
            throw new ConfigException($"http.address must be an IP address or localhost, found '{config.Address}'");
    }

    // Prometheus and browsers speak HTTP/1.1 to a plain-text endpoint.
    private static void Http1Only(ListenOptions listen) => listen.Protocols = HttpProtocols.Http1;

    private HealthCheckResult CheckCameras()
    {
        var cameras = health();
        var data = new Dictionary<string, object> { [Cameras] = cameras };
        return cameras.All(c => c.State == "up") ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Degraded(data: data);
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        var cameras = report.Entries.TryGetValue(Cameras, out var entry) && entry.Data.TryGetValue(Cameras, out var list) ? (IReadOnlyList<CameraHealth>)list : [];
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new { status = report.Status == HealthStatus.Healthy ? "ok" : "degraded", cameras }, Json, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null)
            return;
        using (var stopping = new CancellationTokenSource(StopTimeout))
            await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    /// <summary>Starts and stops when told to: the daemon's host owns the process's signals.</summary>
    private sealed class OwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
