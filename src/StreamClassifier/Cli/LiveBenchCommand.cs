using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Temporal;

namespace StreamLrcn.Cli;

/// <summary>
/// <c>bench-live --url rtsp://… --streams 1,2,4</c>: for each N, N live network streams through the
/// live pipeline (ffmpeg ingest, drop-oldest queues, one batched CNN) for a fixed time; prints per N
/// the frames received, classified and dropped per second, capture→label latency p50/p99/max (and
/// p50 of the first and second half of the run, which stay level when latency is bounded), and the
/// CNN-only ceiling measured in the same run before and after.
/// </summary>
public static class LiveBenchCommand
{
    public static Command Create()
    {
        var urls = new Option<string[]>("--url") { Description = "Stream URL(s); stream i reads url[i mod count]. Start a local server with scripts/bench-live.sh.", Required = true, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var streams = new Option<string>("--streams") { Description = "Comma-separated stream counts to run, e.g. 1,2,4.", DefaultValueFactory = _ => "1,2,4" };
        var seconds = new Option<double>("--seconds") { Description = "Measured time per stream count (after every stream is up).", DefaultValueFactory = _ => 15 };
        var every = new Option<int>("--every") { Description = "Classify every k-th frame of each stream.", DefaultValueFactory = _ => 1 };
        var arguments = new PipelineArguments();
        var command = new Command("bench-live", "Measure live throughput, drops and capture-to-label latency for N network streams, with the CNN-only ceiling from the same run.") { urls, streams, seconds, every };
        arguments.AddTo(command);
        command.SetAction((result, cancellation) => RunAsync(result.GetValue(urls)!, result.GetValue(streams)!, result.GetValue(seconds), result.GetValue(every), arguments, result, cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string[] urls, string streamCounts, double seconds, int every, PipelineArguments arguments, ParseResult result, CancellationToken cancellation)
    {
        ModelPackage package;
        PipelineOptions options;
        int[] counts;
        try
        {
            package = arguments.LoadModel(result);
            options = arguments.ToOptions(result, package) with { Mode = PipelineMode.Live };
            counts = streamCounts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            if (counts.Length == 0 || counts.Any(n => n < 1) || seconds <= 0 || every < 1)
                throw new ArgumentException("--streams needs positive counts, --seconds and --every positive values");
            foreach (var url in urls)
                NetworkSourceOptions.For("bench", url).Validate("--url");
        }
        catch (Exception ex) when (ex is ModelPackageException or FormatException or ArgumentException)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.InvalidSetup;
        }

        using var extractor = new FeatureExtractor(options.Cnn, options.Batching?.MaxBatchSize);
        var batch = extractor.MaxBatchSize;
        var features = new float[batch * extractor.FeatureSize];
        extractor.Run(batch, features); // warm-up
        var before = MeasureCnnOnly(extractor, features, TimeSpan.FromSeconds(3));
        var rows = new List<string>();
        foreach (var n in counts)
            rows.Add(await RunOnceAsync(n, urls, seconds, every, package, options, extractor, cancellation));
        var after = MeasureCnnOnly(extractor, features, TimeSpan.FromSeconds(3));

        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"live benchmark: {string.Join(' ', urls.Select(UrlRedactor.Redact))}, {seconds:0} s per row, batch {batch}, every {every}, CNN on {extractor.Provider}, {Environment.ProcessorCount} cores"));
        Console.WriteLine(string.Create(c, $"CNN-only ceiling (session alone): {before:0.0} fps before, {after:0.0} fps after"));
        Console.WriteLine("streams | received/s | classified/s | dropped/s | dropped % | latency p50 ms | p99 ms |  max ms | p50 1st half | p50 2nd half | mean batch");
        foreach (var row in rows)
            Console.WriteLine(row);
        return ExitCodes.Success;
    }

    private static async Task<string> RunOnceAsync(int n, string[] urls, double seconds, int every, ModelPackage package, PipelineOptions options,
        FeatureExtractor extractor, CancellationToken cancellation)
    {
        var sources = Enumerable.Range(0, n)
            .Select(i => new NetworkFrameSource(NetworkSourceOptions.For($"s{i}", urls[i % urls.Length]) with { Every = every }))
            .ToList();
        var latencies = new List<(long At, double Ms)>();
        long dropped = 0;
        long measuring = 0;
        using var pipeline = new ClassificationPipeline(package, options, [], extractor);
        pipeline.LabelWritten += label =>
        {
            if (Interlocked.Read(ref measuring) != 0)
                latencies.Add((Stopwatch.GetTimestamp(), label.LatencyMilliseconds));
        };
        pipeline.FrameDropped += _ =>
        {
            if (Interlocked.Read(ref measuring) != 0)
                Interlocked.Increment(ref dropped);
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = pipeline.RunAsync(sources, stop.Token);
        // Connection set-up is not what is measured: start once every stream delivers frames.
        var waited = Stopwatch.StartNew();
        while (sources.Any(s => s.Status != StreamStatus.Up) && waited.Elapsed < TimeSpan.FromSeconds(20) && !running.IsCompleted)
            await Task.Delay(100, cancellation);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
        var receivedAtStart = sources.Sum(s => s.FramesReceived);
        var started = Stopwatch.GetTimestamp();
        var batchesBefore = pipeline.Statistics.BatchSizeHistogram();
        Interlocked.Exchange(ref measuring, started);
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation);
        Interlocked.Exchange(ref measuring, 0);
        var batchesAfter = pipeline.Statistics.BatchSizeHistogram();
        var batches = batchesAfter.Sum(b => b.Value - batchesBefore.GetValueOrDefault(b.Key));
        var batchFrames = batchesAfter.Sum(b => b.Key * (b.Value - batchesBefore.GetValueOrDefault(b.Key)));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var received = sources.Sum(s => s.FramesReceived) - receivedAtStart;
        await stop.CancelAsync();
        await running;

        var middle = started + (long)(seconds / 2 * Stopwatch.Frequency);
        var all = latencies.Select(l => l.Ms).ToArray();
        var first = latencies.Where(l => l.At < middle).Select(l => l.Ms).ToArray();
        var second = latencies.Where(l => l.At >= middle).Select(l => l.Ms).ToArray();
        var c = CultureInfo.InvariantCulture;
        var classified = all.Length;
        return string.Create(c,
            $"{n,7} | {received / elapsed,10:0.0} | {classified / elapsed,12:0.0} | {dropped / elapsed,9:0.0} | {100.0 * dropped / Math.Max(1, received),8:0.0}% | {Percentile(all, 0.5),14:0.0} | {Percentile(all, 0.99),6:0.0} | {Percentile(all, 1),7:0.0} | {Percentile(first, 0.5),12:0.0} | {Percentile(second, 0.5),12:0.0} | {(batches > 0 ? (double)batchFrames / batches : 0),10:0.00}");
    }

    private static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
            return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static double MeasureCnnOnly(FeatureExtractor extractor, float[] features, TimeSpan duration)
    {
        var batch = extractor.MaxBatchSize;
        var runs = 0;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            extractor.Run(batch, features);
            runs++;
        }
        return runs * batch / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
