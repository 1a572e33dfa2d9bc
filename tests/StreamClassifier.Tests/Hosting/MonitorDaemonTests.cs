using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Hosting;

/// <summary>
/// The real daemon process against a real GStreamer RTSP server and a real mosquitto broker, all on
/// 127.0.0.1. Streams are small (160x120, 5 fps) and the CNN gets one thread, so the tests stay
/// short on a 2-core machine. Waits have generous deadlines; measured times are printed.
/// </summary>
public sealed class MonitorDaemonTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-monitor-").FullName;

    private static string Config(IEnumerable<(string Name, string Url)> cameras, int httpPort, string extraOutputs = "", string defaults = "") =>
        DaemonConfig.Yaml(cameras, httpPort, extraOutputs, defaults);

    private static IEnumerable<JsonElement> OfType(IEnumerable<JsonElement> events, string type, string? camera = null) =>
        events.Where(e => e.GetProperty("type").GetString() == type && (camera is null || (e.TryGetProperty("camera", out var c) && c.GetString() == camera)));

    [Fact]
    public async Task Four_cameras_are_labelled_at_once_with_events_in_mqtt_and_jsonl_and_SIGTERM_leaves_no_ffmpeg_and_flushes_events()
    {
        string[] names = ["cam0", "cam1", "cam2", "cam3"];
        using var server = RtspTestServer.Start(names);
        using var broker = MosquittoBroker.Start();
        await using var mqtt = await MqttRecorder.StartAsync(broker.Port, "lrcn");
        var httpPort = FreePort.Next();
        var config = Config(names.Select(n => (n, server.Url(n))), httpPort, extraOutputs: $"  mqtt: {{ host: 127.0.0.1, port: {broker.Port}, prefix: lrcn }}");
        using var daemon = MonitorProcess.Start(_directory, config);

        // Every camera gets a first label (hysteresis off here), in the file and on MQTT.
        await Eventually.True(() => names.All(n => OfType(daemon.Events(), "label", n).Any()), Patience, "a label event from each of the four cameras");
        await Eventually.True(() => names.All(n => mqtt.PayloadsOf($"lrcn/{n}/label").Count > 0), Patience, "lrcn/<camera>/label for each camera");
        foreach (var name in names)
        {
            var label = OfType(daemon.Events(), "label", name).First();
            Assert.Equal(JsonValueKind.Undefined, label.TryGetProperty("before", out var b) ? b.ValueKind : JsonValueKind.Undefined);
            // One of the default's labels: its three gestures or its background class none (a stream's first frame has no motion yet).
            Assert.Contains(label.GetProperty("after").GetProperty("label").GetString(), new[] { "raise_arms_side", "wave", "raise_arms_front", "none" });
            // The retained topic carries the camera's label as it stands when it is published, which can
            // already be a later label than the first event's: it must be one of the camera's labels.
            var labelsOfCamera = OfType(daemon.Events(), "label", name).Select(e => e.GetProperty("after").GetProperty("label").GetString()).ToArray();
            Assert.Contains(mqtt.PayloadsOf($"lrcn/{name}/label")[0], labelsOfCamera);
            Assert.Contains("up", mqtt.PayloadsOf($"lrcn/{name}/status"));
        }
        // A camera's retained topics are published before the event itself, so the events topic may trail them a little.
        JsonElement[] MqttEvents() => mqtt.PayloadsOf("lrcn/events").Select(p => JsonDocument.Parse(p).RootElement).ToArray();
        await Eventually.True(() => names.All(n => OfType(MqttEvents(), "label", n).Any()), Patience, "a label event of each camera on lrcn/events");
        Assert.Equal("online", mqtt.PayloadsOf("lrcn/available").First());

        // Health and metrics on loopback.
        using var http = new HttpClient();
        var health = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{httpPort}/health")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(names, health.GetProperty("cameras").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToArray());
        Assert.All(health.GetProperty("cameras").EnumerateArray(), c => Assert.Equal("up", c.GetProperty("state").GetString()));
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics");
        foreach (var metric in new[] { "streamlrcn_frames_in_total{camera=\"cam3\"}", "streamlrcn_frames_classified_total{camera=\"cam0\"}", "streamlrcn_stream_up{camera=\"cam1\"} 1",
                     "streamlrcn_capture_to_label_seconds_bucket", "streamlrcn_batch_size_count", "streamlrcn_queue_depth{queue=\"capture:cam2\"}", "streamlrcn_reconnects_total" })
            Assert.Contains(metric, metrics);

        // SIGTERM: graceful stop, no ffmpeg left, the last events on disk.
        var ffmpegs = Posix.Children(daemon.Pid).Where(c => c.Command == "ffmpeg").ToArray();
        Assert.Equal(names.Length, ffmpegs.Length);
        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)), "the daemon did not stop within 30 s of SIGTERM");
        Assert.Equal(0, daemon.ExitCode);
        Assert.All(ffmpegs, f => Assert.False(Posix.IsAlive(f.Pid), $"ffmpeg {f.Pid} survived the daemon"));
        var events = daemon.Events();
        Assert.Equal("daemon_stopped", events[^1].GetProperty("type").GetString());
        Assert.True(OfType(events, "label").Count() >= names.Length);
        await Eventually.True(() => mqtt.PayloadsOf("lrcn/available").LastOrDefault() == "offline", TimeSpan.FromSeconds(10), "lrcn/available offline");
        output.WriteLine(daemon.Output);
    }

    [Fact]
    public async Task Killed_server_takes_camera_down_and_back_and_frozen_server_trips_the_watchdog()
    {
        using var server = RtspTestServer.Start(["cam0"]);
        var config = Config([("cam0", server.Url("cam0"))], FreePort.Next(), extraOutputs: "  labels: labels.jsonl");
        using var daemon = MonitorProcess.Start(_directory, config);
        await Eventually.True(() => OfType(daemon.Events(), "label", "cam0").Any(), Patience, "the first label");

        // Killed: down, still alive, retrying with backoff.
        server.Kill();
        await Eventually.True(() => OfType(daemon.Events(), "stream_down", "cam0").Any(), Patience, "stream_down after the server was killed");
        await Eventually.True(() => OfType(daemon.Events(), "reconnecting", "cam0").Count() >= 2, Patience, "reconnect attempts");
        Assert.False(daemon.HasExited);
        var retries = OfType(daemon.Events(), "reconnecting", "cam0").Select(e => e.GetProperty("retry_in_seconds").GetDouble()).ToArray();
        // Backoff 0.2 s with ±20 % jitter, capped at 0.5 s; the event rounds to milliseconds, so the
        // lowest delay reads 0.16 (below 0.2 * 0.8 = 0.16000000000000003 in binary).
        Assert.All(retries, r => Assert.InRange(r, 0.16 - 1e-9, 0.5 + 1e-9));

        // Back: labelling again, the reconnect visible as a discontinuity reset in the labels.
        server.Restart();
        var back = server.ReadyAtUtc;
        await Eventually.True(() => daemon.Labels().Any(l => l.TryGetProperty("reset", out var r) && r.GetString() == "discontinuity"), Patience,
            "a label with reset: discontinuity after the server came back");
        var recovery = DateTime.UtcNow - back;
        output.WriteLine($"labelling again {recovery.TotalSeconds:0.00} s after the server's return (polled every 0.1 s)");
        // Generous: backoff capped at 0.5 s plus ffmpeg's connection to a server that just started; README quotes the measured figure.
        Assert.InRange(recovery.TotalSeconds, 0, 15);
        var up = OfType(daemon.Events(), "stream_up", "cam0").Last();
        Assert.True(up.GetProperty("down_for_seconds").GetDouble() > 0);

        // Frozen: the watchdog reports it after frozenAfterSeconds (2 s) and the stream recovers on SIGCONT.
        var framesBefore = daemon.Labels().Count;
        server.Freeze();
        var frozenAt = DateTime.UtcNow;
        var frozen = await Eventually.Get(() => OfType(daemon.Events(), "stream_frozen", "cam0").Cast<JsonElement?>().FirstOrDefault() is { } e ? (object)e : null,
            Patience, "stream_frozen after SIGSTOP");
        var detected = DateTime.Parse(((JsonElement)frozen).GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal) - frozenAt;
        output.WriteLine($"watchdog reported the frozen stream {detected.TotalSeconds:0.00} s after SIGSTOP (configured 2 s)");
        Assert.Contains("no frame for 2 s", ((JsonElement)frozen).GetProperty("reason").GetString());
        // Generous bound: the configured 2 s plus the frames already in flight and a loaded machine.
        Assert.InRange(detected.TotalSeconds, 1.5, 6);
        Assert.False(daemon.HasExited);

        // Counted before the server resumes: no frame can arrive while it is stopped, so a reconnect
        // that completes quickly after SIGCONT cannot slip in between the resume and the count.
        var discontinuities = daemon.Labels().Count(l => l.TryGetProperty("reset", out var r) && r.GetString() == "discontinuity");
        server.Resume();
        await Eventually.True(() => daemon.Labels().Count(l => l.TryGetProperty("reset", out var r) && r.GetString() == "discontinuity") > discontinuities, Patience,
            "labels again after SIGCONT");
        Assert.True(daemon.Labels().Count > framesBefore);
        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, daemon.ExitCode);
    }

    [Fact]
    public async Task Frozen_broker_never_stalls_the_events_file_a_down_camera_clears_its_label_and_a_restarted_broker_gets_retained_topics_back()
    {
        using var server = RtspTestServer.Start(["cam0"]);
        using var broker = MosquittoBroker.Start();
        await using var mqtt = await MqttRecorder.StartAsync(broker.Port, "lrcn");
        var httpPort = FreePort.Next();
        var config = Config([("cam0", server.Url("cam0"))], httpPort, extraOutputs: $"  mqtt: {{ host: 127.0.0.1, port: {broker.Port}, prefix: lrcn }}");
        using var daemon = MonitorProcess.Start(_directory, config);
        await Eventually.True(() => mqtt.Latest("lrcn/cam0/label") is { Length: > 0 }, Patience, "the first label on MQTT");

        // A camera that goes down takes its retained label with it (an empty retained message).
        server.Kill();
        await Eventually.True(() => mqtt.Latest("lrcn/cam0/status") == "down" && mqtt.Latest("lrcn/cam0/label") == "", Patience, "status down and the label cleared");

        // Broker frozen: the events file still gets the camera's return and its new label.
        broker.Freeze();
        var eventsBeforeFreeze = daemon.Events().Count;
        server.Restart();
        await Eventually.True(() => daemon.Events().Skip(eventsBeforeFreeze).Any(e => e.GetProperty("type").GetString() == "stream_up")
            && daemon.Events().Skip(eventsBeforeFreeze).Any(e => e.GetProperty("type").GetString() == "label"), Patience,
            "stream_up and a label event in the file while the broker is frozen");
        broker.Resume();

        // After SIGCONT every event of the file reaches MQTT, none lost.
        string[] FileEvents() => daemon.Events().Select(e => e.GetRawText()).ToArray();
        string[] MqttEvents() => mqtt.DistinctPayloadsOf("lrcn/events").Select(p => JsonDocument.Parse(p).RootElement.GetRawText()).ToArray();
        await Eventually.True(() => FileEvents().SequenceEqual(MqttEvents()), Patience, "every event of the file on lrcn/events, in order");
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics");
        Assert.Contains("streamlrcn_events_lost_total{sink=\"mqtt\"} 0", metrics);
        Assert.Contains("streamlrcn_events_lost_total{sink=\"file\"} 0", metrics);
        Assert.Equal("up", mqtt.Latest("lrcn/cam0/status"));

        // A broker that dies and comes back empty gets availability, status and label from the daemon by itself.
        broker.Kill();
        broker.Restart();
        var restartedAt = DateTime.UtcNow;
        await using var fresh = await MqttRecorder.StartAsync(broker.Port, "lrcn");
        string? LatestLabel() => OfType(daemon.Events(), "label", "cam0").LastOrDefault() is { ValueKind: JsonValueKind.Object } e ? e.GetProperty("after").GetProperty("label").GetString() : null;
        await Eventually.True(() => fresh.Latest("lrcn/available") == "online" && fresh.Latest("lrcn/cam0/status") == "up"
            && fresh.Latest("lrcn/cam0/label") == LatestLabel(), Patience, "retained available, status and label on the restarted broker");
        output.WriteLine($"retained topics back {(DateTime.UtcNow - restartedAt).TotalSeconds:0.00} s after the broker restarted");

        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, daemon.ExitCode);
        Assert.Equal("daemon_stopped", daemon.Events()[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Bad_url_and_unreachable_host_are_reported_clearly_without_credentials_and_the_daemon_keeps_labelling()
    {
        using var server = RtspTestServer.Start(["cam0"]);
        var closedPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var config = Config([
            ("good", server.Url("cam0")),
            ("missing", $"rtsp://admin:hunter2@127.0.0.1:{server.Port}/no-such-stream"),
            ("unreachable", $"rtsp://admin:hunter2@127.0.0.1:{closedPort}/cam"),
        ], httpPort);
        using var daemon = MonitorProcess.Start(_directory, config);
        await Eventually.True(() => OfType(daemon.Events(), "stream_down", "missing").Any() && OfType(daemon.Events(), "stream_down", "unreachable").Any()
            && OfType(daemon.Events(), "label", "good").Any(), Patience, "both bad cameras down and the good one labelled");

        Assert.Contains("404 Not Found", OfType(daemon.Events(), "stream_down", "missing").First().GetProperty("reason").GetString());
        Assert.Contains("Connection refused", OfType(daemon.Events(), "stream_down", "unreachable").First().GetProperty("reason").GetString());
        using var http = new HttpClient();
        var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var cameras = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("cameras").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal("up", cameras["good"].GetProperty("state").GetString());
        Assert.Equal("down", cameras["missing"].GetProperty("state").GetString());
        Assert.Contains("404", cameras["missing"].GetProperty("lastError").GetString());
        // Not live on every camera, yet ready: the model is loaded and the pipeline runs.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{httpPort}/ready")).StatusCode);

        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, daemon.ExitCode);
        var everything = daemon.Output + File.ReadAllText(daemon.EventsPath)
            + string.Concat(Directory.GetFiles(Path.Combine(_directory, "logs")).Select(File.ReadAllText));
        Assert.Contains("rtsp://***@127.0.0.1", everything);
        Assert.DoesNotContain("hunter2", everything);
        output.WriteLine(daemon.Output);
    }

    [Fact]
    public void Malformed_config_stops_the_daemon_at_start_with_a_message_naming_the_field()
    {
        using var daemon = MonitorProcess.Start(_directory, $"""
            model: {RepoPaths.DefaultModel}
            cameras:
              - name: door
                url: rtsp://127.0.0.1:1/x
                every: 0
            """);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, daemon.ExitCode);
        Assert.Contains("cameras[0].every must be at least 1, found 0", daemon.Output);
    }

    [Fact]
    public void Http_port_in_use_stops_the_daemon_with_exit_code_2_and_a_message_naming_the_port()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            using var daemon = MonitorProcess.Start(_directory, Config([("cam0", "rtsp://127.0.0.1:1/x")], port));
            Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(60)), "the daemon kept running with its HTTP port taken");
            Assert.Equal(2, daemon.ExitCode);
            Assert.Contains($"http: cannot listen on http://127.0.0.1:{port}/ (Address already in use); choose another http.port", daemon.Output);
            CliAssert.NoStackTrace(daemon.Output);
            output.WriteLine(daemon.Output);
        }
        finally
        {
            taken.Stop();
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A log file still being closed: the temp folder is left for the OS to clean.
        }
    }
}
