using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.FileProviders;
using Prometheus;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// The daemon's web interface, put together: the event database (<see cref="EventStore"/>, fed as an
/// event sink), the frame recorder fed with every labelled frame (<see cref="FrameSink"/>), retention, the
/// <c>/api</c> endpoints, access control and the static pages. The daemon creates it before
/// anything else (a database that cannot be used stops the start), gives <see cref="FrameSink"/> to
/// the pipeline among its sinks, calls <see cref="OnLabelEvent"/> for every label event, and
/// disposes it after the pipeline has ended.
/// </summary>
public sealed class WebUi : IAsyncDisposable
{
    private readonly RecordingConfig _config;
    private readonly EventMedia _media;
    private readonly EventRetention _retention;
    private readonly WebAccess _access;
    private readonly CancellationTokenSource _stop = new();
    private Task _retaining = Task.CompletedTask;

    private WebUi(RecordingConfig config, HttpConfig http, EventStore store, EventMedia media, FrameRecorder recorder)
    {
        (_config, Store, _media, Recorder) = (config, store, media, recorder);
        _retention = new EventRetention(store, media, TimeSpan.FromDays(config.RetainDays), (long)(config.MaxSizeMb * 1024 * 1024));
        _access = new WebAccess(http.Auth);
        Sink = new EventStoreSink(store, recorder);
    }

    public EventStore Store { get; }

    public FrameRecorder Recorder { get; }

    /// <summary>One more output of the daemon's event dispatcher.</summary>
    public IEventSink Sink { get; }

    /// <summary>The pipeline's sink for labelled frames: each one goes to the recorder, which keeps its own reference.</summary>
    public IFrameSink FrameSink => _frameSink ??= new RecorderSink(Recorder);

    private RecorderSink? _frameSink;

    /// <summary>Where the pages are served from: next to the program, copied there by the build.</summary>
    public static string PagesFolder => Path.Combine(AppContext.BaseDirectory, "web");

    /// <summary>The web interface of <paramref name="config"/>, or null when <c>recording.enabled</c> is false.</summary>
    public static WebUi? Create(MonitorConfig config, IReadOnlyList<string> labels)
    {
        var recording = config.Recording ?? new RecordingConfig();
        if (!recording.Enabled)
            return null;
        var store = EventStore.Open(Path.Combine(recording.Folder, "events.db"));
        var media = new EventMedia(Path.Combine(recording.Folder, "media"));
        var cameras = config.Cameras.Select(c => (c.Name, recording.WindowFor(c))).ToArray();
        var recorder = new FrameRecorder(cameras, labels, media, recording.JpegQuality, new VideoEncoderFactory(VideoEncoderKind.Auto),
            (name, mean) => SetMeanConfidence(store, name, mean));
        Log.Information("Events in {Database}, snapshots and clips in {Media} (clips {Pre} s before to {Post} s after, kept {Days} days, up to {MaxMb} MB)",
            store.Path, media.Folder, recording.PreCaptureSeconds, recording.PostCaptureSeconds, recording.RetainDays, recording.MaxSizeMb);
        return new WebUi(recording, config.HttpOrDefault, store, media, recorder);
    }

    private static void SetMeanConfidence(EventStore store, string media, double mean)
    {
        try
        {
            store.SetMeanConfidence(media, mean);
        }
        catch (SqliteException ex)
        {
            // The timeline then shows the score that set the label instead of its mean; recording goes on.
            Log.Warning("Event {Media}: mean confidence not stored ({Reason})", media, ex.Message);
        }
    }

    /// <summary>Starts pruning in the background: at once, then every <c>recording.pruneIntervalSeconds</c>.</summary>
    public void StartRetention() =>
        _retaining = Task.Run(() => _retention.RunAsync(TimeSpan.FromSeconds(_config.PruneIntervalSeconds), TimeProvider.System, _stop.Token));

    /// <summary>Every label, on the pipeline's sink thread: its frame goes from the tap to the recorder.</summary>

    /// <summary>A label event set by <paramref name="label"/>'s frame, published at <paramref name="time"/>; call before publishing it.</summary>
    public void OnLabelEvent(FrameLabel label, DateTimeOffset time) => Recorder.CaptureEvent(label, time);

    /// <summary>The recorder's and retention's numbers on the daemon's <c>/metrics</c>.</summary>
    public void AddMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var dropped = factory.CreateCounter("streamlrcn_recorder_frames_dropped_total", "Frames the recorder could not keep up with (missing from live view and clips; their labels are not affected).");
        var written = factory.CreateCounter("streamlrcn_clips_written_total", "Event clips written.");
        var failed = factory.CreateCounter("streamlrcn_clips_failed_total", "Event clips that could not be written or were skipped (see the log).");
        var media = factory.CreateGauge("streamlrcn_media_bytes", "Bytes of snapshots and clips, as of the latest retention pass.");
        registry.AddBeforeCollectCallback(() =>
        {
            dropped.IncTo(Recorder.FramesDropped);
            written.IncTo(Recorder.ClipsWritten);
            failed.IncTo(Recorder.ClipsFailed);
            if (_retention.LastResult is { } last)
                media.Set(last.BytesLeft);
        });
    }

    /// <summary>Adds access control, the API and the pages to the status server's app.</summary>
    public void Map(WebApplication app, Func<IReadOnlyList<CameraHealth>> health)
    {
        app.Use(_access.InvokeAsync);
        new WebApi(Store, Recorder, _media, _retention, health, TimeProvider.System).Map(app);
        if (Directory.Exists(PagesFolder))
        {
            var pages = new PhysicalFileProvider(PagesFolder);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = pages });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = pages, OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache" });
        }
        else
        {
            Log.Warning("Web pages not found in {Folder}; the API is served without them", PagesFolder);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _retaining;
        }
        catch (OperationCanceledException)
        {
            // The stop.
        }
        await Recorder.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>Hands every labelled frame to the recorder; the pipeline owns the sink's lifetime, the web interface the recorder's.</summary>
    private sealed class RecorderSink(FrameRecorder recorder) : IFrameSink
    {
        public void Write(FrameLabel label, Frame frame) => recorder.Post(label, frame.Share());

        /// <summary>A label without its frame: the run keeps frames whenever this sink is among its sinks, so this does not happen.</summary>
        public void Write(FrameLabel label) =>
            throw new InvalidOperationException($"the web recorder needs frame {label.Header.Sequence} of camera '{label.Header.Stream.Name}' with its label; the pipeline did not keep frames");

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
