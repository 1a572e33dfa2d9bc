using System.Net;
using System.Text.RegularExpressions;
using StreamLrcn.Capture;
using StreamLrcn.Hosting.Web;
using StreamLrcn.Inference;
using StreamLrcn.Validation;

namespace StreamLrcn.Hosting;

/// <summary>
/// The monitor daemon's configuration file (JSON or YAML, camelCase keys). Immutable; <see cref="Validate"/>
/// checks every field before anything starts and names the bad one.
/// </summary>
public sealed partial record MonitorConfig(
    IReadOnlyList<CameraConfig> Cameras,
    string Model = "models/default",
    string Device = "auto",
    int Threads = 0,
    int? Batch = null,
    string Precision = CnnPrecisionNames.Auto,
    int InFlight = 0,
    double? BatchDeadlineMs = null,
    string CudnnSearch = "EXHAUSTIVE",
    CameraDefaults? Defaults = null,
    OutputsConfig? Outputs = null,
    HttpConfig? Http = null,
    RecordingConfig? Recording = null,
    ClusterConfig? Cluster = null)
{
    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex CameraName();

    public OutputsConfig OutputsOrDefault => Outputs ?? new OutputsConfig();

    public HttpConfig HttpOrDefault => Http ?? new HttpConfig();

    /// <summary>
    /// The config with relative paths (model, outputs) made absolute against <paramref name="folder"/>,
    /// the config file's folder, so a daemon started from any directory finds what its file names.
    /// </summary>
    public MonitorConfig WithPathsRelativeTo(string folder)
    {
        string? Resolve(string? path) => string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path));
        var outputs = OutputsOrDefault;
        var recording = Recording ?? new RecordingConfig();
        return this with
        {
            Model = Resolve(Model)!,
            Outputs = outputs with { Events = Resolve(outputs.Events)!, Labels = Resolve(outputs.Labels), Log = Resolve(outputs.Log) },
            Recording = recording with { Folder = Resolve(recording.Folder)! },
            Cluster = Cluster is null ? null : Cluster with { DataFolder = Resolve(Cluster.DataFolder)! },
        };
    }

    /// <summary>The config key behind a library option, for messages; null when the config does not set it.</summary>
    public static string? KeyFor(InvalidOptionException invalid) => $"{invalid.Record}.{invalid.Option}" switch
    {
        "BatchingOptions.MaxBatchSize" => "batch",
        "BatchingOptions.MaxDelay" => "batchDeadlineMs",
        "CnnOptions.CpuThreads" => "threads",
        "CnnOptions.Precision" => "precision",
        "CnnOptions.CudnnConvAlgoSearch" => "cudnnSearch",
        "CnnOptions.InFlightBatches" => "inFlight",
        _ => null,
    };

    /// <summary>The CNN settings of the config; the package gives the int8 calibration.</summary>
    public CnnOptions ToCnnOptions(DeviceRequest device, Models.CnnCalibration? calibration)
    {
        CnnPrecisionNames.TryParse(Precision, out var precision);
        return new CnnOptions(device, precision, Threads, CudnnSearch.ToUpperInvariant(), InFlightBatches: InFlight, Calibration: calibration);
    }

    /// <summary>The batching of the config, or null for the device's default (small on CPU, large on a GPU).</summary>
    public BatchingOptions? ToBatching() => Batch is null && BatchDeadlineMs is null
        ? null
        : new BatchingOptions(Batch ?? BatchingOptions.Cpu.MaxBatchSize,
            BatchDeadlineMs is { } ms ? TimeSpan.FromMilliseconds(ms) : BatchingOptions.Cpu.MaxDelay);

    /// <summary>Throws <see cref="ConfigException"/> naming the first bad field; returns the cameras' resolved settings.</summary>
    public IReadOnlyList<CameraSettings> Validate()
    {
        if (Cameras is null || Cameras.Count == 0)
            throw new ConfigException("cameras: at least one camera is required");
        if (string.IsNullOrWhiteSpace(Model))
            throw new ConfigException("model: a model package folder is required");
        if (Threads < 0)
            throw new ConfigException($"threads must be 0 (one per core) or more, found {Threads}");
        if (Batch is < 1)
            throw new ConfigException($"batch must be at least 1, found {Batch}");
        if (!CnnPrecisionNames.TryParse(Precision, out _))
            throw new ConfigException($"precision must be {CnnPrecisionNames.Choices}, found '{Precision}'");
        if (InFlight < 0)
            throw new ConfigException($"inFlight must be 0 (per device) or more, found {InFlight}");
        if (BatchDeadlineMs is not null and not (>= 0 and < 1e9))
            throw new ConfigException($"batchDeadlineMs must be milliseconds from 0 to 1e9, found {BatchDeadlineMs}");
        if (CudnnSearch?.ToUpperInvariant() is not ("EXHAUSTIVE" or "HEURISTIC" or "DEFAULT"))
            throw new ConfigException($"cudnnSearch must be EXHAUSTIVE, HEURISTIC or DEFAULT, found '{CudnnSearch}'");
        var defaults = Defaults ?? new CameraDefaults();
        var outputs = OutputsOrDefault;
        if (string.IsNullOrWhiteSpace(outputs.Events))
            throw new ConfigException("outputs.events: an events file path is required");
        if (outputs.Mqtt is { } mqtt)
        {
            if (string.IsNullOrWhiteSpace(mqtt.Host))
                throw new ConfigException("outputs.mqtt.host is required when outputs.mqtt is given");
            if (mqtt.Port is < 1 or > 65535)
                throw new ConfigException($"outputs.mqtt.port must be 1-65535, found {mqtt.Port}");
            if (string.IsNullOrWhiteSpace(mqtt.Prefix) || mqtt.Prefix.Contains('#') || mqtt.Prefix.Contains('+'))
                throw new ConfigException($"outputs.mqtt.prefix must be a topic without wildcards, found '{mqtt.Prefix}'");
            if (mqtt.QueueSize < 1)
                throw new ConfigException($"outputs.mqtt.queueSize must be at least 1, found {mqtt.QueueSize}");
            try
            {
                mqtt.BackoffOrDefault.ToBackoff().Validate("outputs.mqtt.backoff");
            }
            catch (ArgumentException ex)
            {
                throw new ConfigException(ex.Message, ex);
            }
        }
        var http = HttpOrDefault;
        if (http.Enabled && (http.Port is < 1 or > 65535))
            throw new ConfigException($"http.port must be 1-65535, found {http.Port}");
        if (http.Enabled && !IsListenAddress(http.Address))
            throw new ConfigException($"http.address must be an IP address (127.0.0.1, 0.0.0.0, ::1) or a host name to listen on, found '{http.Address}'");
        WebAccess.Validate(http);
        (Recording ?? new RecordingConfig()).Validate(Cameras);
        Cluster?.Validate();

        var settings = new List<CameraSettings>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Cameras.Count; i++)
        {
            var path = $"cameras[{i}]";
            var camera = Cameras[i] ?? throw new ConfigException($"{path}: empty entry");
            if (string.IsNullOrWhiteSpace(camera.Name) || !CameraName().IsMatch(camera.Name))
                throw new ConfigException($"{path}.name must be letters, digits, '_' or '-' (it is used in MQTT topics), found '{camera.Name}'");
            if (!names.Add(camera.Name))
                throw new ConfigException($"{path}.name '{camera.Name}' is used by another camera");
            if (string.IsNullOrWhiteSpace(camera.Url))
                throw new ConfigException($"{path}.url is required");
            CheckUrlSpelling(camera.Url, path);
            var transportName = camera.Transport ?? defaults.Transport;
            var transport = transportName?.ToLowerInvariant() switch
            {
                "tcp" => RtspTransport.Tcp,
                "udp" => RtspTransport.Udp,
                _ => throw new ConfigException($"{(camera.Transport is null ? "defaults" : path)}.transport must be tcp or udp, found '{transportName}'"),
            };
            var (width, height) = camera.Width is not null || camera.Height is not null ? (camera.Width, camera.Height) : (defaults.Width, defaults.Height);

            var source = new NetworkSourceOptions(
                camera.Name,
                camera.Url,
                transport,
                width,
                height,
                camera.Fps ?? defaults.Fps,
                camera.Every ?? defaults.Every,
                PositiveSeconds(camera.ConnectTimeoutSeconds, defaults.ConnectTimeoutSeconds, path, "connectTimeoutSeconds"),
                PositiveSeconds(camera.FrozenAfterSeconds, defaults.FrozenAfterSeconds, path, "frozenAfterSeconds"),
                (camera.Backoff ?? defaults.Backoff ?? new BackoffConfig()).ToBackoff());
            try
            {
                source.Validate(path);
            }
            catch (ArgumentException ex)
            {
                throw new ConfigException(ex.Message, ex);
            }
            var minConfidence = camera.MinConfidence ?? defaults.MinConfidence;
            if (minConfidence is < 0 or > 1)
                throw new ConfigException($"{path}.minConfidence must be in [0, 1], found {minConfidence}");
            var minDuration = camera.MinDurationSeconds ?? defaults.MinDurationSeconds;
            if (minDuration < 0)
                throw new ConfigException($"{path}.minDurationSeconds must not be negative, found {minDuration}");
            if (camera.Role is not null && Cluster is null)
                throw new ConfigException($"{path}.role restricts the camera to cluster nodes with that role: it needs a cluster section");
            if (camera.Role is not null && !ClusterConfig.IsRoleName(camera.Role))
                throw new ConfigException($"{path}.role must be lower-case letters, digits, '_' or '-', found '{camera.Role}'");
            settings.Add(new CameraSettings(source, new HysteresisOptions(minConfidence, Seconds(minDuration)), camera.Role));
        }
        return settings;
    }

    /// <summary>
    /// Mistakes in a URL that hold a secret, reported without any part of the URL: redaction cannot
    /// tell where a password with a raw space ends.
    /// </summary>
    private static void CheckUrlSpelling(string url, string path)
    {
        if (url.Contains('@', StringComparison.Ordinal) && url.Any(char.IsWhiteSpace))
            throw new ConfigException($"{path}.url must not contain spaces or line breaks: percent-encode them (a space as %20)");
        var start = url.IndexOf("://", StringComparison.Ordinal);
        var authority = start < 0 ? "" : url[(start + 3)..].Split('/')[0];
        if (authority.Count(c => c == '@') > 1)
            throw new ConfigException($"{path}.url has an '@' inside its user name or password: write it as %40 (rtsp://user:p%40ss@host/stream)");
    }

    private static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(Math.Clamp(seconds, -1, 1e6));

    /// <summary>The camera's own value or the default, checked as written (before <see cref="Seconds"/> bounds it for TimeSpan); the message names where it was set.</summary>
    private static TimeSpan PositiveSeconds(double? own, double fallback, string cameraPath, string key)
    {
        var seconds = own ?? fallback;
        if (!(seconds > 0))
            throw new ConfigException($"{(own is null ? "defaults" : cameraPath)}.{key} must be a positive number of seconds, found {seconds}");
        return Seconds(seconds);
    }

    /// <summary>
    /// An IP literal, or a host name that is not a malformed IPv4 address (999.1.1.1 is a valid DNS
    /// name by its characters, but no one means a host by it).
    /// </summary>
    private static bool IsListenAddress(string? address) =>
        !string.IsNullOrWhiteSpace(address)
        && (IPAddress.TryParse(address, out _)
            || (Uri.CheckHostName(address) == UriHostNameType.Dns && !address.All(c => char.IsAsciiDigit(c) || c == '.')));
}
