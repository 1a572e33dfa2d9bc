using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Preprocessing;
using StreamLrcn.Sinks;

namespace StreamLrcn.Cli;

/// <summary>
/// <c>bench</c> measures the pipeline against the CNN session alone, in the same run, so that the
/// figures are ratios that do not depend on how busy the machine is.
/// <list type="bullet">
/// <item>Default: on one input, CNN-only runs (frames already resized, in the session's input
/// buffer) alternate with end-to-end replays (decode, resize, batch, CNN, GRU, JSONL).</item>
/// <item><c>--suite</c> (for GPUs): the raw session at several batch sizes, then the pipeline fed
/// by N in-memory sources (no decoding) and by N H.264 files decoded concurrently, with batch-size
/// histograms and capture→feature latency percentiles.</item>
/// </list>
/// </summary>
public static class BenchCommand
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var input = new Argument<string>("input")
        {
            Description = "Video file or image folder to replay ('pattern' for a synthetic 640x480 clip).",
            DefaultValueFactory = _ => "pattern",
        };
        var frames = new Option<int>("--frames") { Description = "Frames through each CNN-only reference run.", DefaultValueFactory = _ => 96 };
        var rounds = new Option<int>("--rounds") { Description = "End-to-end runs, each between two CNN-only runs.", DefaultValueFactory = _ => 3 };
        var suite = new Option<bool>("--suite") { Description = "GPU suite: raw session per batch size, pipeline on in-memory sources and on concurrently decoded H.264 files." };
        var streams = new Option<int>("--streams") { Description = "Suite: number of concurrent streams.", DefaultValueFactory = _ => 8 };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "Suite: raw-session batch sizes.", DefaultValueFactory = _ => "1,8,32,128,256" };
        var suiteFrames = new Option<int>("--suite-frames") { Description = "Suite: frames per pipeline run (all streams together).", DefaultValueFactory = _ => 8000 };
        var arguments = new PipelineArguments();
        var command = new Command("bench", "Measure end-to-end throughput against the CNN session alone, in the same run.")
        {
            input, frames, rounds, suite, streams, batchSizes, suiteFrames,
        };
        arguments.AddTo(command);
        command.SetAction((result, cancellation) => result.GetValue(suite)
            ? RunSuiteAsync(result.GetValue(streams), ParseSizes(result.GetValue(batchSizes)!), result.GetValue(suiteFrames),
                result.GetValue(input) is var video && video != "pattern" ? video : null, arguments, result, cancellation)
            : RunAsync(result.GetValue(input)!, result.GetValue(frames), Math.Max(1, result.GetValue(rounds)), arguments, result, cancellation));
        return command;
    }

    /// <summary>A round is flagged when its CNN-only runs before and after differ by more than this (the machine's load changed).</summary>
    private const double UnsteadyReference = 0.15;

    private static async Task<int> RunAsync(string input, int referenceFrames, int rounds, PipelineArguments arguments, ParseResult result, CancellationToken cancellation)
    {
        if (!TryLoad(arguments, result, out var package, out var options, input))
            return ExitCodes.InvalidSetup;

        var contenders = new List<Contender>();
        try
        {
            contenders.Add(new Contender(package, options, input));
            // int8 is measured against float32 in the same run, so the speed-up is a ratio of figures
            // taken under the same load.
            if (contenders[0].Extractor.Precision == CnnPrecision.Int8)
                contenders.Add(new Contender(package, options with { Cnn = options.Cnn with { Precision = CnnPrecision.Float32 } }, input));
            var first = contenders[0].Extractor;
            Console.WriteLine(string.Create(C, $"input: {input}, batch {first.MaxBatchSize}, CNN on {first.Provider}, {first.InFlightBatches} batch(es) in flight, " +
                $"{Environment.ProcessorCount} cores, {CpuInstructions()}"));
            Console.WriteLine("round  precision  CNN-only before  end-to-end  CNN-only after  ratio e2e/CNN  CNN busy in e2e  allocated/frame: run  capture→label  output record");
            // Round 0 warms up what a first run pays once (JIT compilation of the stages, thread
            // start-up, the head's sessions); it is printed but not counted. CNN-only and end-to-end
            // runs alternate, and each end-to-end run is compared with the mean of the CNN-only runs
            // just before and after it: a change in machine load then shows as a difference between
            // those two references instead of a wrong ratio, and such rounds are flagged.
            for (var round = 0; round <= rounds; round++)
                foreach (var contender in contenders)
                {
                    var figures = await contender.RoundAsync(referenceFrames, cancellation);
                    if (round > 0)
                        contender.Rounds.Add(figures);
                    Console.WriteLine(string.Create(C,
                        $"{round,5}  {contender.Name,9}  {figures.CnnBefore,11:0.0} fps  {figures.EndToEnd,6:0.0} fps  {figures.CnnAfter,10:0.0} fps  " +
                        $"{figures.Ratio,13:0.000}  {figures.Busy,15:P0}  {figures.AllocatedPerFrame,20:0} B  {figures.LabelPathPerFrame,11:0} B  {figures.OutputRecordPerFrame,11:0} B   ({figures.Frames} frames" +
                        $"{(round == 0 ? ", warm-up, not counted" : figures.Unreliable is { } why ? ", UNRELIABLE: " + why : "")})"));
                }
        }
        finally
        {
            foreach (var contender in contenders)
                contender.Dispose();
        }

        foreach (var contender in contenders)
        {
            var (counted, note) = Trusted(contender.Rounds);
            Console.WriteLine(string.Create(C, $"{contender.Name}: median ratio end-to-end / CNN-only {Median(counted, r => r.Ratio):0.000}, " +
                $"CNN-only {Median(counted, r => r.Cnn):0.0} fps, end-to-end {Median(counted, r => r.EndToEnd):0.0} fps, " +
                $"allocated {Median(counted, r => r.AllocatedPerFrame):0} bytes a frame for the whole replay, of which once running " +
                $"{Median(counted, r => r.LabelPathPerFrame):0} on the capture→label path (the output record alone: {Median(counted, r => r.OutputRecordPerFrame):0}) " +
                $"and {Median(counted, r => r.SinkPerFrame):0} in the JSONL sink{note}"));
        }
        if (contenders.Count == 2)
        {
            // Per round, int8 over the float32 run that followed it: both under the same load.
            var pairs = contenders[0].Rounds.Zip(contenders[1].Rounds).ToArray();
            var steady = pairs.Where(p => p.First.Unreliable is null && p.Second.Unreliable is null).ToArray();
            var used = steady.Length > 0 ? steady : pairs;
            Console.WriteLine(string.Create(C, $"int8 / fp32: CNN-only {Median(used, p => p.First.Cnn / p.Second.Cnn):0.00}x, " +
                $"end-to-end {Median(used, p => p.First.EndToEnd / p.Second.EndToEnd):0.00}x (median over {used.Length} round(s)" +
                $"{(steady.Length == 0 ? "; every round was unsteady: the figure is UNRELIABLE" : "")})"));
        }
        return ExitCodes.Success;
    }

    /// <summary>The rounds to report: the steady ones, or all of them with a warning when none was.</summary>
    private static (IReadOnlyList<RoundFigures> Rounds, string Note) Trusted(IReadOnlyList<RoundFigures> rounds)
    {
        var steady = rounds.Where(r => r.Unreliable is null).ToArray();
        if (steady.Length == rounds.Count)
            return (rounds, "");
        return steady.Length > 0
            ? (steady, $" ({rounds.Count - steady.Length} of {rounds.Count} rounds left out as unsteady)")
            : (rounds, " (every round was unsteady: these figures are UNRELIABLE; run again on a quieter machine)");
    }

    private static double Median<T>(IReadOnlyCollection<T> items, Func<T, double> value)
    {
        var sorted = items.Select(value).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    /// <summary>The vector instructions that decide the CNN's speed on this CPU, as the kernel lists them.</summary>
    private static string CpuInstructions()
    {
        try
        {
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
            return flags.Contains("avx512_vnni") ? "AVX-512 VNNI" : flags.Contains("avx_vnni") ? "AVX-VNNI" : flags.Contains("avx2") ? "AVX2 (no VNNI)" : "no AVX2";
        }
        catch (IOException)
        {
            return "instruction set unknown";
        }
    }

    /// <summary>One round of one precision: end to end between two CNN-only runs.</summary>
    /// <param name="AllocatedPerFrame">Everything the replay allocated (start-up, the JSONL sink, the output records) over its frames.</param>
    private sealed record RoundFigures(double CnnBefore, double EndToEnd, double CnnAfter, double Busy, long Frames, double AllocatedPerFrame)
    {
        /// <summary>Capture→label, once running: from the first label to the last one sampled (every 64th), less what the sink allocated, per frame.</summary>
        public double LabelPathPerFrame { get; init; }

        /// <summary>What the label sink (JSONL) allocated per frame.</summary>
        public double SinkPerFrame { get; init; }

        /// <summary>The output record alone: a <c>FrameLabel</c> with its probabilities, and the window's probabilities every stride frames.</summary>
        public double OutputRecordPerFrame { get; init; }

        public double Cnn => (CnnBefore + CnnAfter) / 2;

        public double Ratio => EndToEnd / Cnn;

        public string? Unreliable =>
            Math.Abs(CnnBefore - CnnAfter) / Cnn > UnsteadyReference
                ? string.Create(C, $"CNN-only before and after differ by {Math.Abs(CnnBefore - CnnAfter) / Cnn:P0} (limit {UnsteadyReference:P0})")
            : Ratio > 1 ? "end to end faster than the CNN alone: the machine's load changed" : null;
    }

    /// <summary>One precision under test: its own CNN session, and the CNN-only figure carried from round to round.</summary>
    private sealed class Contender : IDisposable
    {
        private readonly ModelPackage _package;
        private readonly PipelineOptions _options;
        private readonly string _input;
        private readonly string _output = Path.Combine(Path.GetTempPath(), $"streamlrcn-bench-{Environment.ProcessId}.jsonl");
        private double? _previous;

        public Contender(ModelPackage package, PipelineOptions options, string input)
        {
            _package = package;
            _options = options;
            _input = input;
            // A batch of frames is one CNN row per stream of the package for each frame.
            Extractor = new FeatureExtractor(options.Cnn, options.Batching?.MaxBatchSize * CnnStreams.From(package.Manifest.Cnn).Rows);
            for (var l = 0; l < Extractor.InFlightBatches; l++)
                FillInput(Extractor.Lane(l), input, Extractor.MaxBatchSize);
            MeasureSession(Extractor, Extractor.MaxBatchSize, Extractor.InFlightBatches); // warm-up: the first runs allocate and plan
        }

        public FeatureExtractor Extractor { get; }

        public string Name => CnnPrecisionNames.Name(Extractor.Precision);

        public List<RoundFigures> Rounds { get; } = [];

        public async Task<RoundFigures> RoundAsync(int referenceFrames, CancellationToken cancellation)
        {
            var runs = Math.Max(1, referenceFrames / Extractor.MaxBatchSize);
            var before = _previous ?? MeasureSession(Extractor, Extractor.MaxBatchSize, runs);
            PipelineResult run;
            double busy;
            long allocated;
            var sink = new AllocationCountingSink(LabelSinkFactory.Create(_output, _package.Labels));
            var path = new LabelPathAllocation(sink);
            using (var pipeline = new ClassificationPipeline(_package, _options, [sink], Extractor))
            {
                pipeline.LabelWritten += path.OnLabel;
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                run = await pipeline.RunAsync([FrameSourceFactory.Open(_input, decoderThreads: _options.Cnn.DecoderThreadsPerFile)], cancellation);
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                path.End();
                busy = pipeline.Statistics.CnnBusy / (run.Elapsed * Extractor.InFlightBatches);
            }
            var after = MeasureSession(Extractor, Extractor.MaxBatchSize, runs);
            _previous = after;
            return new RoundFigures(before, run.FramesPerSecond, after, busy, run.FramesLabelled,
                run.FramesLabelled > 0 ? (double)allocated / run.FramesLabelled : 0)
            {
                LabelPathPerFrame = path.PerFrame, SinkPerFrame = path.SinkPerFrame, OutputRecordPerFrame = path.OutputRecordPerFrame,
            };
        }

        public void Dispose()
        {
            Extractor.Dispose();
            File.Delete(_output);
        }
    }

    private static async Task<int> RunSuiteAsync(int streams, int[] batchSizes, int totalFrames, string? video, PipelineArguments arguments, ParseResult result, CancellationToken cancellation)
    {
        if (!TryLoad(arguments, result, out var package, out var options))
            return ExitCodes.InvalidSetup;

        using var extractor = new FeatureExtractor(options.Cnn, Math.Max(batchSizes.Max(), (options.Batching?.MaxBatchSize ?? 0) * CnnStreams.From(package.Manifest.Cnn).Rows));
        var pipelineBatch = options.Batching?.MaxBatchSize ?? BatchingOptions.For(extractor.Target).MaxBatchSize;
        var batching = options.Batching ?? BatchingOptions.For(extractor.Target);
        options = options with { Batching = batching };
        Console.WriteLine(string.Create(C, $"CNN on {extractor.Provider}, {options.Cnn.Precision}, {Environment.ProcessorCount} cores, {extractor.InFlightBatches} batches in flight"));

        // 1. The raw session: input already in (pinned) host memory, one lane, no pipeline.
        var lane = extractor.Lane(0);
        FillInput(lane, "pattern", extractor.MaxBatchSize);
        var features = new float[extractor.MaxBatchSize * extractor.FeatureSize];
        var raw = new Dictionary<int, double>();
        Console.WriteLine("raw session   batch  frames/s");
        foreach (var size in batchSizes.Append(pipelineBatch).Distinct().Order())
        {
            lane.Run(size, features); // first run of a shape: cuDNN algorithm search
            var runs = Math.Max(3, Math.Min(200, 2000 / size));
            raw[size] = MeasureRaw(lane, size, runs, features);
            Console.WriteLine(string.Create(C, $"              {size,5}  {raw[size],8:0}"));
        }

        // 2. The pipeline on in-memory sources (no decoding), then on H.264 files decoded concurrently.
        var perStream = Math.Max(1, totalFrames / streams);
        var memory = await MeasurePipelineAsync(package, options, extractor,
            () => Enumerable.Range(0, streams).Select(i => (IFrameSource)new MemoryFrameSource($"memory{i}", perStream)).ToArray(), cancellation);
        Report($"pipeline, {streams} in-memory sources", memory, raw[pipelineBatch]);

        video ??= GenerateVideo(perStream);
        if (video is null)
        {
            Console.WriteLine("H.264 files: skipped (no ffmpeg on PATH to generate one; pass a 640x480 H.264 file as the input)");
            return ExitCodes.Success;
        }
        var files = await MeasurePipelineAsync(package, options, extractor,
            () => Enumerable.Range(0, streams).Select(_ => FrameSourceFactory.Open(video, decoderThreads: options.Cnn.DecoderThreadsPerFile)).ToArray(), cancellation);
        Report($"pipeline, {streams} H.264 files decoded concurrently", files, raw[pipelineBatch]);
        return ExitCodes.Success;
    }

    private sealed record PipelineFigures(double FramesPerSecond, long Frames, IReadOnlyDictionary<int, long> Batches, double P50, double P99);

    private static async Task<PipelineFigures> MeasurePipelineAsync(ModelPackage package, PipelineOptions options, FeatureExtractor extractor,
        Func<IFrameSource[]> sources, CancellationToken cancellation)
    {
        var output = Path.Combine(Path.GetTempPath(), $"streamlrcn-bench-{Environment.ProcessId}.jsonl");
        using var pipeline = new ClassificationPipeline(package, options, [LabelSinkFactory.Create(output, package.Labels)], extractor);
        var run = await pipeline.RunAsync(sources(), cancellation);
        File.Delete(output);
        return new PipelineFigures(run.FramesPerSecond, run.FramesLabelled, pipeline.Statistics.BatchSizeHistogram(),
            pipeline.Statistics.LatencyPercentile(50), pipeline.Statistics.LatencyPercentile(99));
    }

    private static void Report(string title, PipelineFigures figures, double raw)
    {
        var histogram = string.Join(", ", figures.Batches.OrderByDescending(p => p.Value).Take(6).Select(p => $"{p.Key}×{p.Value}"));
        Console.WriteLine(string.Create(C,
            $"{title}: {figures.FramesPerSecond:0} frames/s = {figures.FramesPerSecond / raw:0.000} of the raw session at the same batch size; " +
            $"{figures.Frames} frames; batches {histogram}; capture→feature latency p50 {figures.P50:0.0} ms, p99 {figures.P99:0.0} ms"));
    }

    private static string? GenerateVideo(int frames)
    {
        var path = Path.Combine(Path.GetTempPath(), $"streamlrcn-bench-{frames}.mp4");
        if (File.Exists(path))
            return path;
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var argument in new[] { "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30", "-frames:v", frames.ToString(C),
                     "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", path })
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? path : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static bool TryLoad(PipelineArguments arguments, ParseResult result, out ModelPackage package, out PipelineOptions options, string? input = null)
    {
        try
        {
            package = arguments.LoadModel(result);
            options = arguments.ToOptions(result, package);
            if (input is not null)
                FrameSourceFactory.Open(input).Dispose();
            return true;
        }
        catch (Exception ex) when (ex is ModelPackageException or FrameSourceException or FormatException or ArgumentException)
        {
            Log.Error("{Message}", ex.Message);
            package = null!;
            options = null!;
            return false;
        }
    }

    private static double MeasureRaw(ExtractionLane lane, int batch, int runs, float[] features)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < runs; i++)
            lane.Run(batch, features);
        return runs * batch / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// The session alone as the pipeline uses it: every in-flight lane running full batches at
    /// once, each on its own thread, <paramref name="runs"/> batches in all.
    /// </summary>
    private static double MeasureSession(FeatureExtractor extractor, int batch, int runs)
    {
        var lanes = extractor.InFlightBatches;
        var outputs = Enumerable.Range(0, lanes).Select(_ => new float[batch * extractor.FeatureSize]).ToArray();
        var perLane = Math.Max(1, runs / lanes);
        var started = Stopwatch.GetTimestamp();
        var threads = Enumerable.Range(0, lanes).Select(l => new Thread(() =>
        {
            var lane = extractor.Lane(l);
            for (var i = 0; i < perLane; i++)
                lane.Run(batch, outputs[l]);
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        return lanes * perLane * batch / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Puts frames of the input, resized like the pipeline does, into every input row.</summary>
    private static void FillInput(ExtractionLane lane, string input, int rows)
    {
        using var source = FrameSourceFactory.Open(input);
        using var image = new Mat();
        using var slot = new FrameSlot(ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize);
        if (!source.Read(image, out _))
            throw new FrameSourceException($"input '{input}' has no frames");
        FrameResizer.Resize(image, slot.Mat);
        for (var i = 0; i < rows; i++)
        {
            slot.Span.CopyTo(lane.InputRow(i));
            // A short input repeats its last frame.
            if (i + 1 < rows && source.Read(image, out _))
                FrameResizer.Resize(image, slot.Mat);
        }
    }

    private static int[] ParseSizes(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s, C)).Where(s => s > 0).Distinct().Order().ToArray();
}
