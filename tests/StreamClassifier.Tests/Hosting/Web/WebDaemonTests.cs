using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using StreamLrcn.Hosting.Web;
using OpenCvSharp;
using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Hosting.Web;

/// <summary>
/// The real daemon with its web interface, against the real GStreamer RTSP server on 127.0.0.1:
/// label events become rows in a real SQLite file, snapshots and H.264 clips that ffprobe reads,
/// and the API serves them. Frame counts are checked against the daemon's own labels file.
/// </summary>
public sealed class WebDaemonTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const int Fps = 5;
    private const string Token = "0123456789abcdef-web-test";
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-web-").FullName;

    private static JsonElement[] Json(string text) => JsonDocument.Parse(text).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();

    [Fact]
    public async Task Label_event_gets_a_row_a_snapshot_and_a_clip_of_the_pre_post_window_that_the_api_serves_behind_the_token()
    {
        using var server = RtspTestServer.Start(["cam0"], fps: Fps);
        var port = FreePort.Next();
        // One second before, two after: 3 s × 5 fps = 15 frames. The hysteresis holds the first label
        // for 1.2 s, so the event's frame has a full second of frames before it.
        var config = WebDaemonConfig.Yaml([("cam0", server.Url("cam0"))], port, Fps,
            recording: "  folder: data\n  preCaptureSeconds: 1\n  postCaptureSeconds: 2", minDurationSeconds: 1.2,
            http: $"  auth: {{ token: {Token} }}",
            // The event's stretch must end with a next label event (see below): the frame-only package's label moves on the test pattern.
            model: RepoPaths.FrameOnlyModel);
        using var daemon = MonitorProcess.Start(_directory, config);
        var api = $"http://127.0.0.1:{port}";
        using var http = new HttpClient();
        using var authorized = new HttpClient();
        authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        // Access: everything but /health wants the token.
        await Eventually.True(() => Ready(http, api), Patience, "/health answering");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{api}/api/events")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{api}/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{api}/api/events?token=wrong-token-0123456")).StatusCode);

        var labelled = await Eventually.Get(() => LabelEvents(authorized, api).FirstOrDefault(e => e.GetProperty("has_clip").GetBoolean()) is { ValueKind: JsonValueKind.Object } e ? (object)e : null,
            Patience, "a label event with its clip");
        var evt = (JsonElement)labelled;
        var id = evt.GetProperty("id").GetInt64();
        output.WriteLine(evt.GetRawText());

        // The row in the SQLite file matches the event in the JSON lines file.
        var jsonl = daemon.Events().Where(e => e.GetProperty("type").GetString() == "label").ToArray();
        var dbPath = Path.Combine(_directory, "data", "events.db");
        var (dbLabel, dbMedia, dbFrame) = ReadRow(dbPath, id);
        Assert.Contains(jsonl, e => e.GetProperty("after").GetProperty("label").GetString() == dbLabel
            && Math.Abs(e.GetProperty("after").GetProperty("start_time").GetDateTimeOffset().ToUnixTimeMilliseconds() / 1000.0 - evt.GetProperty("start_time").GetDouble()) < 0.0015);
        Assert.Equal(evt.GetProperty("label").GetString(), dbLabel);
        Assert.StartsWith("cam0/", dbMedia);

        // Snapshots: the clean frame and the same frame with the overlay drawn on it.
        var snapshot = await authorized.GetByteArrayAsync($"{api}/api/events/{id}/snapshot.jpg");
        var clean = await authorized.GetByteArrayAsync($"{api}/api/events/{id}/snapshot.jpg?clean=1");
        using (var withOverlay = Cv2.ImDecode(snapshot, ImreadModes.Color))
        using (var plain = Cv2.ImDecode(clean, ImreadModes.Color))
        {
            Assert.Equal(new Size(160, 120), withOverlay.Size());
            Assert.Equal(new Size(160, 120), plain.Size());
            using var difference = new Mat();
            Cv2.Absdiff(withOverlay, plain, difference);
            Assert.True(Cv2.Mean(difference).Val0 > 5, "the overlay snapshot does not differ from the clean one");
        }

        // The clip: H.264, as many frames as the daemon labelled in [event − 1 s, event + 2 s).
        await AssertClipHoldsTheWindowAsync(daemon, authorized, api, evt, "cam0", pre: 1, post: 2);

        // The recorder's numbers on /metrics.
        await Eventually.True(() => System.Text.RegularExpressions.Regex.IsMatch(authorized.GetStringAsync($"{api}/metrics").GetAwaiter().GetResult(), @"\nstreamlrcn_clips_written_total [1-9]"),
            Patience, "streamlrcn_clips_written_total counting the clip");
        Assert.Contains("streamlrcn_clips_failed_total 0", await authorized.GetStringAsync($"{api}/metrics"));

        // Range requests (what a video element asks for).
        using (var range = new HttpRequestMessage(HttpMethod.Get, $"{api}/api/events/{id}/clip.mp4"))
        {
            range.Headers.Range = new RangeHeaderValue(0, 99);
            using var partial = await authorized.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(100, (await partial.Content.ReadAsByteArrayAsync()).Length);
        }

        // Cameras, latest frame (scaled), timeline.
        var cameras = Json(await authorized.GetStringAsync($"{api}/api/cameras"));
        Assert.Equal("cam0", Assert.Single(cameras).GetProperty("name").GetString());
        using (var latest = Cv2.ImDecode(await authorized.GetByteArrayAsync($"{api}/api/cam0/latest.jpg?h=60&overlay=1"), ImreadModes.Color))
            Assert.Equal(new Size(80, 60), latest.Size());
        var timeline = JsonDocument.Parse(await authorized.GetStringAsync($"{api}/api/cam0/timeline?hours=1")).RootElement;
        var segments = timeline.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("label").GetString()).ToArray();
        // The file is written ahead of the database (each output has its own queue): the timeline is a prefix of the file's label events.
        var fileLabels = daemon.Events().Where(e => e.GetProperty("type").GetString() == "label").Select(e => e.GetProperty("after").GetProperty("label").GetString()).ToArray();
        Assert.NotEmpty(segments);
        Assert.Equal(fileLabels.Take(segments.Length), segments);

        // The live MJPEG: two different frames arrive, each a whole JPEG of the camera's size; when the
        // viewer goes away the server ends the stream and closes its side of the connection.
        var viewerPort = 0;
        using (var viewer = new HttpClient(new SocketsHttpHandler { ConnectCallback = async (context, cancellation) =>
               {
                   var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                   await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                   viewerPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
                   return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
               } }))
        {
            viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            await using var mjpeg = await viewer.GetStreamAsync($"{api}/api/cam0/stream.mjpeg?fps=5");
            var first = await MjpegPart.ReadAsync(mjpeg);
            var second = await MjpegPart.ReadAsync(mjpeg);
            Assert.NotEqual(first, second);
            using var image = Cv2.ImDecode(second, ImreadModes.Color);
            Assert.Equal(new Size(160, 120), image.Size());
            Assert.True(TcpTable.ServerHolds(port, viewerPort), $"no server socket for the viewer's port {viewerPort}");
        }
        await Eventually.True(() => !TcpTable.ServerHolds(port, viewerPort), Patience, "the server to close the MJPEG connection after the viewer left");

        // Bad names and ids are refused, never turned into paths.
        Assert.Equal(HttpStatusCode.NotFound, (await authorized.GetAsync($"{api}/api/nosuch/latest.jpg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await authorized.GetAsync($"{api}/api/..%2F..%2Fetc/latest.jpg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await authorized.GetAsync($"{api}/api/events/..%2Fevents.db/clip.mp4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await authorized.GetAsync($"{api}/api/events/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await authorized.GetAsync($"{api}/api/cam0/latest.jpg?h=abc")).StatusCode);

        // The event's stretch ends with the camera's next label event; its mean confidence is its label's
        // probability averaged over the frames from its own to the next event's, as the labels file has them.
        var ended = (JsonElement)await Eventually.Get(() => JsonDocument.Parse(authorized.GetStringAsync($"{api}/api/events/{id}").GetAwaiter().GetResult()).RootElement
            is { } e && e.GetProperty("mean_confidence").ValueKind == JsonValueKind.Number ? (object)e.Clone() : null, Patience, "the event's stretch to end");
        // The stretch's end is stored as the next event arrives; that event's row may land a moment later.
        var next = (JsonElement)await Eventually.Get(() => LabelEvents(authorized, api)
            .Where(e => e.GetProperty("start_time").GetDouble() > ended.GetProperty("start_time").GetDouble())
            .OrderBy(e => e.GetProperty("start_time").GetDouble()).Select(e => (object)e.Clone()).FirstOrDefault(), Patience, "the label event that ended the stretch");
        var nextFrame = next.GetProperty("frame").GetInt64();
        var stretch = daemon.Labels().Where(l => l.GetProperty("stream").GetString() == "cam0" && l.GetProperty("frame").GetInt64() is var f && f >= dbFrame && f <= nextFrame)
            .Select(l => l.GetProperty("probabilities").GetProperty(dbLabel).GetDouble()).ToArray();
        Assert.Equal(nextFrame - dbFrame + 1, stretch.Length);
        output.WriteLine($"stretch of event {id}: frames {dbFrame}-{nextFrame}, mean {stretch.Average():0.0000}, stored {ended.GetProperty("mean_confidence").GetDouble()}");
        Assert.Equal(stretch.Average(), ended.GetProperty("mean_confidence").GetDouble(), tolerance: 1e-4);

        // Retain, then delete: the row and its files go.
        Assert.True((await authorized.PostAsync($"{api}/api/events/{id}/retain", null)).IsSuccessStatusCode);
        Assert.True(JsonDocument.Parse(await authorized.GetStringAsync($"{api}/api/events/{id}")).RootElement.GetProperty("retain_indefinitely").GetBoolean());
        var mediaFiles = new[] { ".jpg", "-clean.jpg", ".mp4" }.Select(s => Path.Combine(_directory, "data", "media", dbMedia + s)).ToArray();
        Assert.All(mediaFiles, f => Assert.True(File.Exists(f), f));
        Assert.True((await authorized.DeleteAsync($"{api}/api/events/{id}")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await authorized.GetAsync($"{api}/api/events/{id}")).StatusCode);
        Assert.All(mediaFiles, f => Assert.False(File.Exists(f), f));

        // A token in the query works once and leaves a cookie for the pages.
        var cookies = new CookieContainer();
        using var browserLike = new HttpClient(new HttpClientHandler { CookieContainer = cookies });
        Assert.Equal(HttpStatusCode.OK, (await browserLike.GetAsync($"{api}/?token={Token}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browserLike.GetAsync($"{api}/api/cameras")).StatusCode);

        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)), "the daemon did not stop within 30 s of SIGTERM");
        Assert.Equal(0, daemon.ExitCode);
        // Every event of the JSON lines file has its row.
        Assert.Equal(daemon.Events().Count, CountRows(dbPath) + 1);
        output.WriteLine(daemon.Output);
    }

    [Fact]
    public async Task A_camera_with_its_own_pre_and_post_seconds_gets_clips_of_its_own_window()
    {
        using var server = RtspTestServer.Start(["cam0", "cam1"], fps: Fps);
        var port = FreePort.Next();
        // cam0: the defaults, 1 s + 1 s; cam1: 2 s before (so a first event 2.2 s in has them), 0.4 s after.
        using var daemon = MonitorProcess.Start(_directory, WebDaemonConfig.Yaml([("cam0", server.Url("cam0")), ("cam1", server.Url("cam1"))], port, Fps,
            recording: "  folder: data\n  preCaptureSeconds: 1\n  postCaptureSeconds: 1", minDurationSeconds: 2.2,
            cameraKeys: new Dictionary<string, string> { ["cam1"] = "preCaptureSeconds: 2\n    postCaptureSeconds: 0.4" }));
        var api = $"http://127.0.0.1:{port}";
        using var http = new HttpClient();
        await Eventually.True(() => Ready(http, api), Patience, "/health answering");
        foreach (var (camera, pre, post) in new[] { ("cam0", 1.0, 1.0), ("cam1", 2.0, 0.4) })
        {
            var evt = (JsonElement)await Eventually.Get(() => Json(http.GetStringAsync($"{api}/api/events?kind=label&camera={camera}").GetAwaiter().GetResult())
                .FirstOrDefault(e => e.GetProperty("has_clip").GetBoolean()) is { ValueKind: JsonValueKind.Object } e ? (object)e : null, Patience, $"a clip of {camera}");
            await AssertClipHoldsTheWindowAsync(daemon, http, api, evt, camera, pre, post);
        }
        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, daemon.ExitCode);
    }

    /// <summary>
    /// The event's clip is H.264 and holds exactly the frames the daemon labelled in [event − pre, event + post)
    /// (its labels file says which), none of them dropped, so (pre + post) × fps of them give or take
    /// the one at an edge: the camera's timestamps come from RTP and are not exact multiples of 1/fps.
    /// </summary>
    private async Task AssertClipHoldsTheWindowAsync(MonitorProcess daemon, HttpClient http, string api, JsonElement evt, string camera, double pre, double post)
    {
        var id = evt.GetProperty("id").GetInt64();
        var frame = evt.GetProperty("frame").GetInt64();
        var clipPath = Path.Combine(_directory, $"clip-{id}.mp4");
        await File.WriteAllBytesAsync(clipPath, await http.GetByteArrayAsync($"{api}/api/events/{id}/clip.mp4"));
        Assert.Equal("h264", TestMedia.Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0", clipPath).Trim());
        var framesInClip = TestMedia.CountFramesWithFfprobe(clipPath);
        var labels = daemon.Labels().Where(l => l.GetProperty("stream").GetString() == camera).ToArray();
        var eventTime = labels.Single(l => l.GetProperty("frame").GetInt64() == frame).GetProperty("timeMs").GetDouble();
        var inWindow = labels.Where(l => l.GetProperty("timeMs").GetDouble() is var t && t >= eventTime - pre * 1000 && t < eventTime + post * 1000)
            .Select(l => l.GetProperty("frame").GetInt64()).ToArray();
        var expected = (int)Math.Round((pre + post) * Fps);
        output.WriteLine($"{camera} event {id}, frame {frame} at {eventTime} ms: clip {framesInClip} frames; labelled in the window {inWindow.Length}; (pre + post) × fps = {expected}");
        Assert.Equal(inWindow.Length, framesInClip);
        Assert.Equal(Enumerable.Range((int)inWindow[0], inWindow.Length).Select(i => (long)i), inWindow);
        Assert.InRange(framesInClip, expected - 1, expected + 1);
        Assert.Equal(framesInClip / (double)Fps, FfprobeDuration(clipPath), 1);
    }

    [Fact]
    public async Task A_user_and_password_hash_guard_every_endpoint_but_health_on_any_address()
    {
        const string password = "correct horse battery";
        var hash = WebAccess.HashPassword(password, iterations: 10_000);
        var port = FreePort.Next();
        using var daemon = MonitorProcess.Start(_directory, WebDaemonConfig.Yaml([("cam0", "rtsp://127.0.0.1:1/x")], port, Fps, "  folder: data",
            http: $"  auth: {{ user: viewer, passwordHash: \"{hash}\" }}", address: "0.0.0.0"));
        var api = $"http://127.0.0.1:{port}";
        using var anonymous = new HttpClient();
        await Eventually.True(() => Ready(anonymous, api), Patience, "/health answering");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync($"{api}/health")).StatusCode); // the camera is down, and no credentials asked
        foreach (var path in new[] { "/api/cameras", "/metrics", "/ready", "/", "/events.html", "/api/events" })
        {
            using var refused = await anonymous.GetAsync(api + path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Basic", refused.Headers.WwwAuthenticate.Single().Scheme);
        }
        using var wrong = new HttpClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("viewer:correct horse"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync($"{api}/api/cameras")).StatusCode);
        using var right = new HttpClient();
        right.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"viewer:{password}")));
        Assert.Equal("cam0", Json(await right.GetStringAsync($"{api}/api/cameras")).Single().GetProperty("name").GetString());
        Assert.Contains("streamlrcn_frames_in_total", await right.GetStringAsync($"{api}/metrics"));
        Assert.Contains("<title>StreamLrcn cameras</title>", await right.GetStringAsync($"{api}/"));

        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, daemon.ExitCode);
    }

    [Fact]
    public void A_damaged_event_database_stops_the_daemon_at_start_with_a_message_naming_the_file()
    {
        var data = Directory.CreateDirectory(Path.Combine(_directory, "data")).FullName;
        var dbPath = Path.Combine(data, "events.db");
        File.WriteAllText(dbPath, new string('x', 8192));
        StartIsRefused($"the event database '{dbPath}' cannot be used (SQLite Error 26: 'file is not a database'): it is damaged or not an SQLite database; move it away");
    }

    [Fact]
    public void A_locked_event_database_stops_the_daemon_at_start_with_a_message_naming_the_file()
    {
        var data = Directory.CreateDirectory(Path.Combine(_directory, "data")).FullName;
        var dbPath = Path.Combine(data, "events.db");
        using var holder = new SqliteConnection($"Data Source={dbPath};Pooling=False");
        holder.Open();
        using (var create = holder.CreateCommand())
        {
            create.CommandText = "CREATE TABLE other (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO other VALUES (1);";
            create.ExecuteNonQuery();
        }
        StartIsRefused($"the event database '{dbPath}' cannot be used (SQLite Error 5: 'database is locked'): another process holds it locked");
    }

    [Fact]
    public void Listening_beyond_loopback_without_http_auth_stops_the_daemon_with_a_message_saying_so() =>
        StartIsRefused("http.address 0.0.0.0 is reachable from other machines, so http.auth is required", address: "0.0.0.0");

    /// <summary>Starts the daemon on a camera that is never reached and expects exit code 2 with <paramref name="message"/> and no stack trace.</summary>
    private void StartIsRefused(string message, string address = "127.0.0.1")
    {
        using var daemon = MonitorProcess.Start(_directory,
            WebDaemonConfig.Yaml([("cam0", "rtsp://127.0.0.1:1/x")], FreePort.Next(), Fps, "  folder: data", address: address));
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(60)), $"the daemon kept running; expected it to stop with: {message}");
        Assert.Equal(2, daemon.ExitCode);
        Assert.Contains(message, daemon.Output);
        CliAssert.NoStackTrace(daemon.Output);
        output.WriteLine(daemon.Output);
    }

    private static bool Ready(HttpClient http, string api)
    {
        try
        {
            using var response = http.GetAsync($"{api}/health").GetAwaiter().GetResult();
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static JsonElement[] LabelEvents(HttpClient http, string api) =>
        Json(http.GetStringAsync($"{api}/api/events?kind=label&camera=cam0").GetAwaiter().GetResult());

    private static (string Label, string Media, long Frame) ReadRow(string path, long id) =>
        Query(path, $"SELECT label, media, frame FROM events WHERE id = {id}", r => (r.GetString(0), r.GetString(1), r.GetInt64(2)));

    private static long CountRows(string path) => Query(path, "SELECT COUNT(*) FROM events", r => r.GetInt64(0));

    /// <summary>The first row of <paramref name="sql"/>, read straight from the database file (not through the daemon).</summary>
    private static T Query<T>(string path, string sql, Func<SqliteDataReader, T> read)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"no row for '{sql}' in {path}");
        return read(reader);
    }

    private static double FfprobeDuration(string path) => double.Parse(
        TestMedia.Run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
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
