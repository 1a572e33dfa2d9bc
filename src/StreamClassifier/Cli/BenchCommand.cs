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
        var frames = new Option<int>("--frames") { Description = "Frames through the CNN-only reference (default: as many as the input has).", DefaultValueFactory = _ => 0 };
        var arguments = new PipelineArguments();
        var command = new Command("bench", "Measure end-to-end replay throughput against the CNN session alone, in the same run.") { input, frames };
        arguments.AddTo(command);
        command.SetAction((result, cancellation) => RunAsync(result.GetValue(input)!, result.GetValue(frames), arguments, result, cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string input, int referenceFrames, PipelineArguments arguments, ParseResult result, CancellationToken cancellation)
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

        var output = Path.Combine(Path.GetTempPath(), $"streamlrcn-bench-{Environment.ProcessId}.jsonl");
        double endToEnd;
        long pipelineFrames;
        // The pipeline is measured between two CNN-only runs and compared with their mean, so a
        // change in machine load during the run shows as a difference between the two references.
        var before = MeasureCnnOnly(extractor, features, referenceFrames > 0 ? referenceFrames : 96);
        using (var pipeline = new ClassificationPipeline(package, options, [LabelSinkFactory.Create(output, package.Labels)], extractor))
        {
            var run = await pipeline.RunAsync([FrameSourceFactory.Open(input)], cancellation);
            endToEnd = run.FramesPerSecond;
            pipelineFrames = run.FramesLabelled;
        }
        File.Delete(output);
        var after = MeasureCnnOnly(extractor, features, referenceFrames > 0 ? referenceFrames : (int)Math.Min(pipelineFrames, 96));
        var reference = (before + after) / 2;

        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"input: {input}, {pipelineFrames} frames, batch {batch}, CNN on {extractor.Provider}, {Environment.ProcessorCount} cores"));
        Console.WriteLine(string.Create(c, $"CNN only (session alone):      {before:0.0} fps before, {after:0.0} fps after, mean {reference:0.0} fps"));
        Console.WriteLine(string.Create(c, $"end to end (replay pipeline):  {endToEnd:0.0} fps"));
        Console.WriteLine(string.Create(c, $"ratio end-to-end / CNN-only:   {endToEnd / reference:0.000}"));
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
