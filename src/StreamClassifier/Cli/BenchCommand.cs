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
/// <c>bench</c>: in one run on the same input, the CNN session alone (frames already resized, in
/// its input buffer) and the whole replay pipeline (decode, resize, batch, CNN, GRU, JSONL
/// writing); prints both and their ratio, so the figure does not depend on how busy the machine is.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input")
        {
            Description = "Video file or image folder to replay ('pattern' for a synthetic 640x480 clip).",
            DefaultValueFactory = _ => "pattern",
        };
        var frames = new Option<int>("--frames") { Description = "Frames through each CNN-only reference run.", DefaultValueFactory = _ => 96 };
        var rounds = new Option<int>("--rounds") { Description = "End-to-end runs, each between two CNN-only runs.", DefaultValueFactory = _ => 3 };
        var arguments = new PipelineArguments();
        var command = new Command("bench", "Measure end-to-end replay throughput against the CNN session alone, in the same run.") { input, frames, rounds };
        arguments.AddTo(command);
        command.SetAction((result, cancellation) => RunAsync(result.GetValue(input)!, result.GetValue(frames), Math.Max(1, result.GetValue(rounds)), arguments, result, cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string input, int referenceFrames, int rounds, PipelineArguments arguments, ParseResult result, CancellationToken cancellation)
    {
        ModelPackage package;
        PipelineOptions options;
        try
        {
            package = arguments.LoadModel(result);
            options = arguments.ToOptions(result, package);
            using var probe = FrameSourceFactory.Open(input);
        }
        catch (Exception ex) when (ex is ModelPackageException or FrameSourceException or FormatException or ArgumentException)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.InvalidSetup;
        }

        var batch = options.Batching.MaxBatchSize;
        using var extractor = new FeatureExtractor(options.Device, batch, options.CpuThreads);
        FillInput(extractor, input, batch);
        var features = new float[batch * extractor.FeatureSize];
        extractor.Run(batch, features); // warm-up: first run allocates and plans

        // CNN-only and end-to-end runs alternate, and each end-to-end run is compared with the
        // mean of the CNN-only runs just before and after it: a change in machine load during the
        // benchmark then shows as a difference between those two references instead of a wrong ratio.
        var c = CultureInfo.InvariantCulture;
        var output = Path.Combine(Path.GetTempPath(), $"streamlrcn-bench-{Environment.ProcessId}.jsonl");
        var cnnFrames = referenceFrames > 0 ? referenceFrames : 96;
        var ratios = new List<double>();
        var previous = MeasureCnnOnly(extractor, features, cnnFrames);
        Console.WriteLine(string.Create(c, $"input: {input}, batch {batch}, CNN on {extractor.Provider}, {Environment.ProcessorCount} cores"));
        Console.WriteLine("round  CNN-only before  end-to-end  CNN-only after  ratio e2e/CNN");
        for (var round = 1; round <= rounds; round++)
        {
            PipelineResult run;
            using (var pipeline = new ClassificationPipeline(package, options, [LabelSinkFactory.Create(output, package.Labels)], extractor))
                run = await pipeline.RunAsync([FrameSourceFactory.Open(input)], cancellation);
            var next = MeasureCnnOnly(extractor, features, cnnFrames);
            var ratio = run.FramesPerSecond / ((previous + next) / 2);
            ratios.Add(ratio);
            Console.WriteLine(string.Create(c, $"{round,5}  {previous,11:0.0} fps  {run.FramesPerSecond,6:0.0} fps  {next,10:0.0} fps  {ratio,13:0.000}   ({run.FramesLabelled} frames)"));
            previous = next;
        }
        File.Delete(output);
        ratios.Sort();
        Console.WriteLine(string.Create(c, $"median ratio end-to-end / CNN-only: {ratios[ratios.Count / 2]:0.000}"));
        return ExitCodes.Success;
    }

    private static double MeasureCnnOnly(FeatureExtractor extractor, float[] features, int frames)
    {
        var batch = extractor.MaxBatchSize;
        var runs = Math.Max(1, (frames + batch - 1) / batch);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < runs; i++)
            extractor.Run(batch, features);
        return runs * batch / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Puts the first frames of the input, resized like the pipeline does, into every input row.</summary>
    private static void FillInput(FeatureExtractor extractor, string input, int batch)
    {
        using var source = FrameSourceFactory.Open(input);
        using var image = new Mat();
        using var slot = new FrameSlot(ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize);
        for (var i = 0; i < batch; i++)
        {
            if (i == 0 || source.Read(image, out _))
            {
                if (i == 0 && !source.Read(image, out _))
                    throw new FrameSourceException($"input '{input}' has no frames");
                PreprocessStage.Resize(image, slot);
            }
            slot.Span.CopyTo(extractor.InputRow(i));
        }
    }
}
