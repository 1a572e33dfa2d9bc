using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Prometheus;
using StreamLrcn.Hosting;
using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Hosting;

/// <summary>
/// The real status server on 127.0.0.1, spoken to by <see cref="HttpClient"/> and by raw sockets
/// where a client must misbehave (send its body one byte a second) or where what HttpClient hides
/// matters (a HEAD response's body).
/// </summary>
public sealed class StatusServerTests(ITestOutputHelper output)
{
    private static readonly CameraHealth Door = new("door", "up", "wave", 0.8123, 0.25, 120, 118, 2, 0, null);
    private static readonly CameraHealth Yard = new("yard", "down", null, null, null, 40, 37, 0, 3, "ffmpeg exited with code 1: rtsp://***@10.0.0.6/h264: Connection refused");

    private async Task<(StatusServer Server, int Port)> StartAsync(params CameraHealth[] cameras)
    {
        var registry = Metrics.NewCustomRegistry();
        Metrics.WithCustomRegistry(registry).CreateCounter("streamlrcn_test_total", "A counter only this test sets.").IncTo(3);
        var port = FreePort.Next();
        var server = new StatusServer(new HttpConfig(Port: port), registry, () => cameras);
        var starting = Stopwatch.StartNew();
        await server.StartAsync(CancellationToken.None);
        output.WriteLine($"server started in {starting.Elapsed.TotalMilliseconds:0} ms");
        return (server, port);
    }

    [Fact]
    public async Task Metrics_and_health_answer_while_eight_clients_send_a_POST_body_one_byte_a_second()
    {
        const int bodyBytes = 30; // 30 s for each slow client to finish sending
        var (server, port) = await StartAsync(Door);
        await using var _ = server;
        var started = Stopwatch.StartNew();
        var slow = new List<SlowPoster>();
        try
        {
            for (var i = 0; i < 8; i++)
                slow.Add(await SlowPoster.StartAsync(port, i % 2 == 0 ? "/metrics" : "/health", bodyBytes));
            // Each is inside its body before the scrape starts.
            await Eventually.True(() => slow.All(s => s.BytesSent >= 2), TimeSpan.FromSeconds(10), "two body bytes from every slow client");

            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var scrape = Stopwatch.StartNew();
            var metrics = http.GetAsync($"http://127.0.0.1:{port}/metrics");
            var health = http.GetAsync($"http://127.0.0.1:{port}/health");
            // The deadline only has to be shorter than the slow clients' sending: an answer that waits
            // for them cannot come before it.
            var deadline = TimeSpan.FromSeconds(bodyBytes) - started.Elapsed - TimeSpan.FromSeconds(5);
            await Task.WhenAll(metrics, health).WaitAsync(deadline);
            output.WriteLine($"GET /metrics and /health beside 8 slow clients: {scrape.Elapsed.TotalMilliseconds:0} ms");

            Assert.All(slow, s => Assert.False(s.Closed.IsCompleted, "a slow client was disconnected before the scrape finished"));
            Assert.Equal(HttpStatusCode.OK, metrics.Result.StatusCode);
            Assert.Contains("streamlrcn_test_total 3", await metrics.Result.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, health.Result.StatusCode);
            Assert.Equal("ok", JsonDocument.Parse(await health.Result.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

            // And the server does not let them hold their connections until they are done.
            await Task.WhenAll(slow.Select(s => s.Closed)).WaitAsync(TimeSpan.FromSeconds(bodyBytes) - started.Elapsed);
            output.WriteLine($"slow clients disconnected by the server after {started.Elapsed.TotalSeconds:0.0} s; they had sent {string.Join(", ", slow.Select(s => s.BytesSent))} of {bodyBytes} bytes");
        }
        finally
        {
            foreach (var s in slow)
                s.Dispose();
        }
    }

    [Fact]
    public async Task Health_body_is_the_JSON_it_always_was_with_200_when_all_cameras_are_up_and_503_otherwise()
    {
        var (server, port) = await StartAsync(Door, Yard);
        await using var _ = server;
        using var http = new HttpClient();
        var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        // Written by the HttpListener server this replaced: the body stays byte for byte what clients parse.
        Assert.Equal("""
            {
              "status": "degraded",
              "cameras": [
                {
                  "name": "door",
                  "state": "up",
                  "label": "wave",
                  "confidence": 0.8123,
                  "lastFrameAgeSeconds": 0.25,
                  "framesIn": 120,
                  "framesClassified": 118,
                  "framesDropped": 2,
                  "reconnects": 0,
                  "lastError": null
                },
                {
                  "name": "yard",
                  "state": "down",
                  "label": null,
                  "confidence": null,
                  "lastFrameAgeSeconds": null,
                  "framesIn": 40,
                  "framesClassified": 37,
                  "framesDropped": 0,
                  "reconnects": 3,
                  "lastError": "ffmpeg exited with code 1: rtsp://***@10.0.0.6/h264: Connection refused"
                }
              ]
            }
            """.ReplaceLineEndings("\n"), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task POST_PUT_and_DELETE_get_405_with_an_Allow_header_and_unknown_paths_404()
    {
        var (server, port) = await StartAsync(Door);
        await using var _ = server;
        using var http = new HttpClient();
        foreach (var path in new[] { "/metrics", "/health", "/ready" })
            foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete })
            {
                using var request = new HttpRequestMessage(method, $"http://127.0.0.1:{port}{path}") { Content = method == HttpMethod.Delete ? null : new StringContent("x") };
                using var response = await http.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)response.StatusCode}");
                Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order());
            }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/nope")).StatusCode);
    }

    [Fact]
    public async Task HEAD_gets_the_status_and_headers_of_GET_and_no_body()
    {
        var (server, port) = await StartAsync(Door, Yard);
        await using var _ = server;
        foreach (var (path, status, type) in new[] { ("/metrics", "200 OK", "text/plain"), ("/health", "503 Service Unavailable", "application/json") })
        {
            var response = await RawHttp.ExchangeAsync(port, $"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(30));
            var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.True(end > 0, $"HEAD {path}: no end of headers in {response}");
            var headers = response[..end].Split("\r\n");
            Assert.Equal($"HTTP/1.1 {status}", headers[0]);
            Assert.Contains(headers, h => h.StartsWith("Content-Type: " + type, StringComparison.OrdinalIgnoreCase));
            Assert.Equal("", response[(end + 4)..]);
        }
    }

    [Fact]
    public async Task Ready_is_503_until_the_daemon_says_the_pipeline_runs_and_again_after_while_health_stays_as_the_cameras_are()
    {
        var (server, port) = await StartAsync(Door);
        await using var _ = server;
        using var http = new HttpClient();
        async Task<(HttpStatusCode Ready, HttpStatusCode Health)> ProbeAsync() =>
            ((await http.GetAsync($"http://127.0.0.1:{port}/ready")).StatusCode, (await http.GetAsync($"http://127.0.0.1:{port}/health")).StatusCode);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK), await ProbeAsync());
        server.Ready = true;
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), await ProbeAsync());
        server.Ready = false;
        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK), await ProbeAsync());
    }

    [Fact]
    public async Task A_port_in_use_is_a_config_error_that_names_the_address_and_http_port()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            await using var server = new StatusServer(new HttpConfig(Port: port), Metrics.NewCustomRegistry(), () => []);
            var error = await Assert.ThrowsAsync<ConfigException>(() => server.StartAsync(CancellationToken.None));
            Assert.Equal($"http: cannot listen on http://127.0.0.1:{port}/ (Address already in use); choose another http.port", error.Message);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task An_address_that_is_not_an_IP_address_is_a_config_error_that_shows_it()
    {
        await using var server = new StatusServer(new HttpConfig("999.1.1.1", FreePort.Next()), Metrics.NewCustomRegistry(), () => []);
        var error = await Assert.ThrowsAsync<ConfigException>(() => server.StartAsync(CancellationToken.None));
        Assert.Equal("http.address must be an IP address or localhost, found '999.1.1.1'", error.Message);
    }

    /// <summary>A client that sends a POST's headers at once and then its body one byte a second, as a slowloris attack does.</summary>
    private sealed class SlowPoster : IDisposable
    {
        private readonly Socket _socket;
        private readonly CancellationTokenSource _stop = new();
        private int _sent;

        private SlowPoster(Socket socket, int bodyBytes)
        {
            _socket = socket;
            Closed = ReceiveUntilClosedAsync();
            _ = TrickleAsync(bodyBytes);
        }

        public int BytesSent => Volatile.Read(ref _sent);

        /// <summary>Completes when the server closes (or resets) the connection.</summary>
        public Task Closed { get; }

        public static async Task<SlowPoster> StartAsync(int port, string path, int bodyBytes)
        {
            var socket = await RawHttp.ConnectAsync(port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {bodyBytes}\r\n\r\n"));
            return new SlowPoster(socket, bodyBytes);
        }

        private async Task TrickleAsync(int bodyBytes)
        {
            try
            {
                for (var i = 0; i < bodyBytes; i++)
                {
                    await _socket.SendAsync("x"u8.ToArray(), SocketFlags.None, _stop.Token);
                    Interlocked.Increment(ref _sent);
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server hung up, or the test is over.
            }
        }

        private async Task ReceiveUntilClosedAsync()
        {
            var buffer = new byte[4096];
            try
            {
                while (await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
                {
                }
            }
            catch (SocketException)
            {
                // A reset is a close too.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
