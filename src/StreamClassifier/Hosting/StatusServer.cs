using System.Net;
using System.Text.Json;
using Prometheus;
using Serilog;

namespace StreamLrcn.Hosting;

/// <summary>
/// Serves <c>GET /metrics</c> (Prometheus text format) and <c>GET /health</c> (JSON, per-camera
/// state; 200 when every camera is up, 503 otherwise) on one loopback HTTP listener.
/// </summary>
public sealed class StatusServer(HttpConfig config, CollectorRegistry registry, Func<IReadOnlyList<CameraHealth>> health) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
    private readonly HttpListener _listener = new();
    private Task? _loop;

    public string Prefix => $"http://{config.Address}:{config.Port}/";

    public void Start(CancellationToken cancellation)
    {
        _listener.Prefixes.Add(Prefix);
        // HttpListener matches the Host header: let http://localhost:PORT/ reach a loopback listener too.
        if (config.Address == "127.0.0.1")
            _listener.Prefixes.Add($"http://localhost:{config.Port}/");
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException ex)
        {
            throw new ConfigException($"http: cannot listen on {Prefix} ({ex.Message}); choose another http.port", ex);
        }
        Log.Information("Metrics on {Prefix}metrics, health on {Prefix}health", Prefix, Prefix);
        _loop = Task.Run(() => ServeAsync(cancellation), CancellationToken.None);
    }

    private async Task ServeAsync(CancellationToken cancellation)
    {
        while (_listener.IsListening && !cancellation.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // the listener was stopped
            }
            try
            {
                await RespondAsync(context, cancellation);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException)
            {
                Log.Debug("HTTP client went away: {Reason}", ex.Message);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context, CancellationToken cancellation)
    {
        var response = context.Response;
        switch (context.Request.Url?.AbsolutePath)
        {
            case "/metrics":
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await registry.CollectAndExportAsTextAsync(response.OutputStream, cancellation);
                break;
            case "/health":
                var cameras = health();
                var allUp = cameras.All(c => c.State == "up");
                response.StatusCode = allUp ? 200 : 503;
                response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(response.OutputStream, new { status = allUp ? "ok" : "degraded", cameras }, Json, cancellation);
                break;
            default:
                response.StatusCode = 404;
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener.IsListening)
            _listener.Stop();
        if (_loop is not null)
            await _loop;
        _listener.Close();
    }
}
