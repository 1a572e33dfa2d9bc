namespace StreamLrcn.Hosting.Web;

/// <summary>
/// <c>recording:</c> the event database, snapshots and clips under <see cref="Folder"/>, and their
/// retention. On by default; <c>enabled: false</c> turns the store, the media and the web pages off.
/// A camera can override <see cref="PreCaptureSeconds"/> and <see cref="PostCaptureSeconds"/>.
/// </summary>
public sealed record RecordingConfig(
    bool Enabled = true,
    string Folder = "data",
    double PreCaptureSeconds = 5,
    double PostCaptureSeconds = 5,
    double RetainDays = 10,
    double MaxSizeMb = 2048,
    double PruneIntervalSeconds = 300,
    int JpegQuality = 85)
{
    /// <summary>The longest clip window a camera may ask for: the ring of recent frames holds this much.</summary>
    public const double MaxCaptureSeconds = 60;

    /// <summary>Throws <see cref="ConfigException"/> naming the first bad field (camera overrides included).</summary>
    public void Validate(IReadOnlyList<CameraConfig> cameras)
    {
        if (!Enabled)
            return;
        if (string.IsNullOrWhiteSpace(Folder))
            throw new ConfigException("recording.folder: a folder for the event database and media is required");
        CheckWindow(PreCaptureSeconds, "recording.preCaptureSeconds");
        CheckWindow(PostCaptureSeconds, "recording.postCaptureSeconds");
        if (!(RetainDays > 0))
            throw new ConfigException($"recording.retainDays must be a positive number of days, found {RetainDays}");
        if (!(MaxSizeMb > 0))
            throw new ConfigException($"recording.maxSizeMb must be a positive number of megabytes, found {MaxSizeMb}");
        if (!(PruneIntervalSeconds >= 1))
            throw new ConfigException($"recording.pruneIntervalSeconds must be at least 1, found {PruneIntervalSeconds}");
        if (JpegQuality is < 1 or > 100)
            throw new ConfigException($"recording.jpegQuality must be 1-100, found {JpegQuality}");
        for (var i = 0; i < cameras.Count; i++)
        {
            if (cameras[i]?.PreCaptureSeconds is { } pre)
                CheckWindow(pre, $"cameras[{i}].preCaptureSeconds");
            if (cameras[i]?.PostCaptureSeconds is { } post)
                CheckWindow(post, $"cameras[{i}].postCaptureSeconds");
        }
    }

    /// <summary>The clip window of a camera: its own values over the defaults.</summary>
    public ClipWindow WindowFor(CameraConfig camera) => new(
        TimeSpan.FromSeconds(camera.PreCaptureSeconds ?? PreCaptureSeconds),
        TimeSpan.FromSeconds(camera.PostCaptureSeconds ?? PostCaptureSeconds));

    private static void CheckWindow(double seconds, string field)
    {
        if (!(seconds is >= 0 and <= MaxCaptureSeconds))
            throw new ConfigException($"{field} must be 0-{MaxCaptureSeconds} seconds, found {seconds}");
    }
}
