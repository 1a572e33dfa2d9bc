using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// The JSON and media endpoints under <c>/api</c>, shaped like Frigate's: cameras, their newest
/// frame and live MJPEG, label timelines, events with their snapshot and clip, retain and delete.
/// Camera names must be configured cameras and event ids numbers, so no request names a path.
/// </summary>
internal sealed class WebApi(EventStore store, FrameRecorder recorder, EventMedia media, EventRetention retention, Func<IReadOnlyList<CameraHealth>> health, TimeProvider clock)
{
    private const string Boundary = "frame";
    private static readonly TimeSpan RateSpan = TimeSpan.FromSeconds(5);

    // Per camera: frames received at an earlier request, to turn the counter into a rate.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset Time, long Frames)> _framesInSeen = new(StringComparer.Ordinal);
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/cameras", Checked(Cameras));
        endpoints.MapGet("/api/{camera}/latest.jpg", Checked(LatestAsync));
        endpoints.MapGet("/api/{camera}/stream.mjpeg", Checked(StreamAsync)).DisableRequestTimeout();
        endpoints.MapGet("/api/{camera}/timeline", Checked(Timeline));
        endpoints.MapGet("/api/events", Checked(Events));
        endpoints.MapGet("/api/events/{id:long}", Checked(Event));
        endpoints.MapGet("/api/events/{id:long}/snapshot.jpg", Checked(Snapshot));
        // A clip is a download that may take longer than the 10 s an API answer gets; Kestrel's minimum data rate still drops a stalled client.
        endpoints.MapGet("/api/events/{id:long}/clip.mp4", Checked(Clip)).DisableRequestTimeout();
        endpoints.MapPost("/api/events/{id:long}/retain", Checked(context => Retain(context, true)));
        endpoints.MapDelete("/api/events/{id:long}/retain", Checked(context => Retain(context, false)));
        endpoints.MapDelete("/api/events/{id:long}", Checked(Delete));
    }

    /// <summary>Answers a <see cref="ApiProblem"/> (a bad query, an unknown camera or event) as JSON with its status.</summary>
    private static RequestDelegate Checked(RequestDelegate handler) => async context =>
    {
        try
        {
            await handler(context);
        }
        catch (ApiProblem problem) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = problem.Status;
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, new { Success = false, problem.Message }, Json, context.RequestAborted);
        }
    };

    private Task Cameras(HttpContext context)
    {
        var now = clock.GetUtcNow();
        var cameras = health().Select(c =>
        {
            var latest = recorder.Latest(c.Name);
            return new
            {
                c.Name, c.State, c.Label, c.Confidence,
                // In a cluster: the node that owns the camera (its frames, stills and clips are on that node's API).
                c.Owner,
                FpsIn = FpsIn(c.Name, c.FramesIn, now),
                FpsClassified = recorder.RateOf(c.Name, now - RateSpan, now),
                LatencyMs = latest is null ? (double?)null : Math.Round(latest.Label.LatencyMilliseconds, 1),
                c.FramesIn, c.FramesClassified, c.FramesDropped, c.Reconnects, c.LastError,
                Width = latest?.Width, Height = latest?.Height,
            };
        });
        return WriteJson(context, cameras);
    }

    /// <summary>Frames received a second since a sample at least a second old (null at the first request); the sample is renewed every <see cref="RateSpan"/>.</summary>
    private double? FpsIn(string camera, long framesIn, DateTimeOffset now)
    {
        var seen = _framesInSeen.GetOrAdd(camera, (now, framesIn));
        var elapsed = (now - seen.Time).TotalSeconds;
        if (now - seen.Time >= RateSpan || framesIn < seen.Frames)
            _framesInSeen[camera] = (now, framesIn);
        return elapsed >= 1 && framesIn >= seen.Frames ? Math.Round((framesIn - seen.Frames) / elapsed, 2) : null;
    }

    private async Task LatestAsync(HttpContext context)
    {
        var (camera, overlay, height) = (Camera(context), Flag(context, "overlay", false), Height(context));
        var frame = recorder.Latest(camera) ?? throw new ApiProblem(StatusCodes.Status503ServiceUnavailable, $"camera {camera} has no frame yet");
        context.Response.ContentType = "image/jpeg";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(recorder.Render(frame, overlay, height), context.RequestAborted);
    }

    /// <summary>
    /// <c>multipart/x-mixed-replace</c>: a JPEG part whenever the camera has a newer frame, at most
    /// <c>fps</c> a second; it ends when the client goes away or the daemon stops.
    /// </summary>
    private async Task StreamAsync(HttpContext context)
    {
        var (camera, overlay, height, fps) = (Camera(context), Flag(context, "overlay", true), Height(context), Number(context, "fps", 5, 0.1, 30));
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.Response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
        context.Response.Headers.CacheControl = "no-store";
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / fps), clock);
        var sent = -1L;
        try
        {
            do
            {
                if (recorder.Latest(camera) is not { } frame || frame.Sequence == sent)
                    continue;
                var jpeg = recorder.Render(frame, overlay, height);
                var head = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n");
                await context.Response.Body.WriteAsync(head, ends.Token);
                await context.Response.Body.WriteAsync(jpeg, ends.Token);
                await context.Response.Body.WriteAsync("\r\n"u8.ToArray(), ends.Token);
                await context.Response.Body.FlushAsync(ends.Token);
                sent = frame.Sequence;
            }
            while (await timer.WaitForNextTickAsync(ends.Token));
        }
        catch (OperationCanceledException) when (ends.IsCancellationRequested)
        {
            // The viewer left or the daemon stops: the stream simply ends.
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private Task Timeline(HttpContext context)
    {
        var (camera, hours) = (Camera(context), Number(context, "hours", 1, 1.0 / 60, 24 * 31));
        var now = clock.GetUtcNow();
        var since = now - TimeSpan.FromHours(hours);
        var segments = store.Timeline(camera, since).Select(s => new
        {
            s.Label,
            StartTime = Unix(s.Start < since ? since : s.Start),
            EndTime = Unix(s.End ?? now),
            Ongoing = s.End is null,
            Confidence = s.End is null ? recorder.CurrentMean(camera) ?? s.Confidence : s.Confidence,
            s.EventId,
        });
        return WriteJson(context, new { Camera = camera, Hours = hours, StartTime = Unix(since), EndTime = Unix(now), Segments = segments });
    }

    private Task Events(HttpContext context)
    {
        var query = context.Request.Query;
        string? camera = null;
        if (query.TryGetValue("camera", out var cameraText) && cameraText.ToString() is { Length: > 0 } name)
        {
            camera = recorder.IsCamera(name) ? name : throw new ApiProblem(StatusCodes.Status404NotFound, $"no camera named '{Printable(name)}'");
        }
        var label = query.TryGetValue("label", out var l) && l.ToString() is { Length: > 0 } labelText ? labelText : null;
        var kind = query.TryGetValue("kind", out var k) && k.ToString() is { Length: > 0 } kindText ? kindText : null;
        var (after, before, limit) = (Time(context, "after"), Time(context, "before"), Number(context, "limit", 100, 1, 10000));
        var rows = store.Query(new EventQuery(camera, label, after, before, (int)limit, kind));
        return WriteJson(context, rows.Select(Describe));
    }

    private Task Event(HttpContext context) => WriteJson(context, Describe(Row(context)));

    private Task Snapshot(HttpContext context)
    {
        var (row, clean) = (Row(context), Flag(context, "clean", false));
        var path = row.Media is null ? null : clean ? media.CleanSnapshot(row.Media) : media.Snapshot(row.Media);
        return SendFile(context, path, "image/jpeg", $"event {row.Id} has no snapshot");
    }

    private Task Clip(HttpContext context)
    {
        var row = Row(context);
        return SendFile(context, row.Media is null ? null : media.Clip(row.Media), "video/mp4",
            row.Media is null ? $"event {row.Id} has no clip" : $"the clip of event {row.Id} is not written yet (or was not kept)");
    }

    private Task Retain(HttpContext context, bool retain)
    {
        var row = Row(context);
        store.SetRetain(row.Id, retain);
        return WriteJson(context, new { Success = true, row.Id, RetainIndefinitely = retain });
    }

    private Task Delete(HttpContext context)
    {
        var row = Row(context);
        var freed = retention.Remove(row);
        return WriteJson(context, new { Success = true, row.Id, BytesFreed = freed });
    }

    private object Describe(EventRecord row) => new
    {
        row.Id, row.Camera, row.Kind, row.Label, row.BeforeLabel, row.Score,
        StartTime = Unix(row.StartTime), EndTime = row.EndTime is { } end ? Unix(end) : (double?)null,
        row.Reason, row.Frame, row.MeanConfidence,
        RetainIndefinitely = row.Retain,
        HasSnapshot = row.Media is not null && File.Exists(media.Snapshot(row.Media)),
        HasClip = row.Media is not null && File.Exists(media.Clip(row.Media)),
    };

    private string Camera(HttpContext context)
    {
        var name = context.Request.RouteValues["camera"] as string ?? "";
        return recorder.IsCamera(name) ? name : throw new ApiProblem(StatusCodes.Status404NotFound, $"no camera named '{Printable(name)}'");
    }

    private EventRecord Row(HttpContext context)
    {
        var id = long.Parse((string)context.Request.RouteValues["id"]!, CultureInfo.InvariantCulture);
        return store.Get(id) ?? throw new ApiProblem(StatusCodes.Status404NotFound, $"no event {id}");
    }

    private static async Task SendFile(HttpContext context, string? path, string contentType, string missing)
    {
        if (path is null || !File.Exists(path))
            throw new ApiProblem(StatusCodes.Status404NotFound, missing);
        // Range requests let a browser's video player seek.
        await Results.File(path, contentType, enableRangeProcessing: true).ExecuteAsync(context);
    }

    private static bool Flag(HttpContext context, string name, bool fallback)
    {
        if (!context.Request.Query.TryGetValue(name, out var text))
            return fallback;
        return text.ToString() switch
        {
            "1" or "true" => true,
            "0" or "false" => false,
            var other => throw new ApiProblem(StatusCodes.Status400BadRequest, $"query {name} must be 0 or 1, found '{Printable(other)}'"),
        };
    }

    private static int? Height(HttpContext context) =>
        context.Request.Query.ContainsKey("h") ? (int)Number(context, "h", 0, 16, 4320) : null;

    private static double Number(HttpContext context, string name, double fallback, double min, double max)
    {
        if (!context.Request.Query.TryGetValue(name, out var text))
            return fallback;
        if (double.TryParse(text.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        throw new ApiProblem(StatusCodes.Status400BadRequest,
            string.Create(CultureInfo.InvariantCulture, $"query {name} must be a number from {min:0.###} to {max}, found '{Printable(text.ToString())}'"));
    }

    /// <summary>Unix seconds (as Frigate takes them) or an ISO 8601 time.</summary>
    private static DateTimeOffset? Time(HttpContext context, string name)
    {
        if (!context.Request.Query.TryGetValue(name, out var raw) || raw.ToString() is not { Length: > 0 } text)
            return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && Math.Abs(seconds) < 1e11)
            return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return time;
        throw new ApiProblem(StatusCodes.Status400BadRequest, $"query {name} must be unix seconds or an ISO 8601 time, found '{Printable(text)}'");
    }

    private static double Unix(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static string Printable(string text) => new(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static Task WriteJson<T>(HttpContext context, T value)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, Json, context.RequestAborted);
    }
}
