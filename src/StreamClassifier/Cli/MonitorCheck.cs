using System.Globalization;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Hosting;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;

namespace StreamLrcn.Cli;

/// <summary>
/// <c>monitor --check</c>: with the configuration already validated and the model package loaded,
/// starts the CNN session once and reads one frame from every camera (all at once, each on its own
/// thread, within its connect timeout), then prints a table. Starts nothing else: no outputs, no
/// MQTT, no HTTP server.
/// </summary>
internal static class MonitorCheck
{
    private sealed record Probe(string Camera, string Url, bool Reachable, string Detail);

    public static int Run(string configPath, IReadOnlyList<CameraSettings> cameras, ModelPackage package, PipelineOptions options)
    {
        Console.WriteLine($"config: {Path.GetFullPath(configPath)}: valid, {cameras.Count} camera(s)");
        Console.WriteLine($"model: {package.Directory}: {package.Labels.Count} labels ({string.Join(", ", package.Labels)}), window {package.Manifest.Window}, stride {package.Manifest.Stride}");
        try
        {
            using var extractor = new FeatureExtractor(options.Cnn, options.Batching?.MaxBatchSize);
            Console.WriteLine($"CNN: {extractor.Provider}, {CnnPrecisionNames.Name(extractor.Precision)}, batch up to {extractor.MaxBatchSize}, {extractor.InFlightBatches} in flight");
        }
        catch (Exception ex) when (ex is DeviceUnavailableException or ModelPackageException or ArgumentException)
        {
            Console.WriteLine($"CNN: cannot start: {ex.Message}");
            return ExitCodes.InvalidSetup;
        }

        var probes = new Probe[cameras.Count];
        var threads = cameras.Select((camera, i) => new Thread(() => probes[i] = ProbeCamera(camera.Source)) { Name = $"check {camera.Source.Name}", IsBackground = true }).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();

        var nameWidth = Math.Max(6, probes.Max(p => p.Camera.Length));
        var urlWidth = Math.Max(3, probes.Max(p => p.Url.Length));
        Console.WriteLine($"{"camera".PadRight(nameWidth)}  {"url".PadRight(urlWidth)}  {"state",-11}  detail");
        foreach (var probe in probes)
            Console.WriteLine($"{probe.Camera.PadRight(nameWidth)}  {probe.Url.PadRight(urlWidth)}  {(probe.Reachable ? "reachable" : "UNREACHABLE"),-11}  {probe.Detail}");
        var unreachable = probes.Count(p => !p.Reachable);
        Console.WriteLine(unreachable == 0 ? "every camera answered" : $"{unreachable} of {probes.Length} camera(s) did not answer");
        return unreachable == 0 ? ExitCodes.Success : ExitCodes.InvalidSetup;
    }

    /// <summary>Reads one frame the way the daemon does (ffprobe, then ffmpeg), giving up after the connect timeout or the first failure.</summary>
    private static Probe ProbeCamera(NetworkSourceOptions options)
    {
        var url = UrlRedactor.Redact(options.Url);
        string? failure = null;
        using var source = new NetworkFrameSource(options);
        source.StatusChanged += change =>
        {
            if (change.Kind is StreamEventKind.Down or StreamEventKind.Frozen)
            {
                failure ??= change.Reason ?? change.Kind.ToString().ToLowerInvariant();
                source.Interrupt();
            }
        };
        using var image = new Mat();
        var read = false;
        // Read blocks on this thread (the children die with it); the timer ends a connection that never answers.
        using var deadline = new Timer(_ => source.Interrupt(), null, options.ConnectTimeout + TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        try
        {
            read = source.Read(image, out _);
        }
        catch (FrameSourceException ex)
        {
            failure = ex.Message;
        }
        return read
            ? new Probe(options.Name, url, true, string.Create(CultureInfo.InvariantCulture, $"{image.Width}x{image.Height} at {source.FramesPerSecond:0.##} fps"))
            : new Probe(options.Name, url, false, failure ?? string.Create(CultureInfo.InvariantCulture, $"no frame within {options.ConnectTimeout.TotalSeconds + 2:0.##} s"));
    }
}
