using System.CommandLine;
using System.Globalization;
using Serilog;
using Spectre.Console;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Overlay;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;

namespace StreamLrcn.Cli;

/// <summary><c>replay &lt;file-or-folder&gt;... --out FILE</c>: labels every frame of recorded inputs, as fast as the machine allows.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Video files, image-sequence folders (frames in file-name order) or 'pattern' (a synthetic clip). Several inputs are batched together.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Output file: .jsonl or .csv, one record per frame; - writes JSON lines to standard output (the summary then goes to standard error).",
            Required = true,
        };
        var folderFps = new Option<double>("--folder-fps") { Description = "Frame rate of image folders (they carry no timestamps).", DefaultValueFactory = _ => 30 }.RequirePositiveRate();
        var annotate = new Option<string?>("--annotate")
        {
            Description = "Also write the input as a video with the overlay on every frame (same frames, same fps). " +
                "With several inputs: one file per input, NAME-INDEX-INPUT.EXT beside this path.",
        };
        var annotateEncoder = new Option<VideoEncoderKind>("--annotate-encoder")
        {
            Description = "auto: H.264 through ffmpeg when it is on PATH, else OpenCV (MJPG .avi / mp4v .mp4); or force ffmpeg / opencv.",
            DefaultValueFactory = _ => VideoEncoderKind.Auto,
        }.LowercaseChoices();
        var overlayPosition = PipelineArguments.OverlayPositionOption();
        var arguments = new PipelineArguments();

        var command = new Command("replay", "Label every frame of recorded videos or image folders and write the labels to a file.") { inputs, output, folderFps, annotate, annotateEncoder, overlayPosition };
        arguments.AddTo(command);
        command.SetAction((result, cancellation) => RunAsync(result.GetValue(inputs)!, result.GetValue(output)!, result.GetValue(folderFps),
            result.GetValue(annotate) is { } video ? (video, result.GetValue(annotateEncoder), result.GetValue(overlayPosition)) : null, arguments, result, cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string[] inputs, string output, double folderFps, (string Path, VideoEncoderKind Encoder, OverlayPosition Position)? annotate,
        PipelineArguments arguments, ParseResult result, CancellationToken cancellation)
    {
        ModelPackage package;
        PipelineOptions options;
        VideoEncoderFactory? encoders = null;
        ILabelSink labelSink;
        var sources = new List<IFrameSource>();
        try
        {
            package = arguments.LoadModel(result);
            options = arguments.ToOptions(result, package);
            if (annotate is { } requested)
            {
                encoders = new VideoEncoderFactory(requested.Encoder);
                for (var i = 0; i < inputs.Length; i++)
                    encoders.Validate(AnnotatedVideoSink.PathFor(requested.Path, i, "", inputs.Length));
            }
            var names = StreamNames.Distinct(inputs);
            for (var i = 0; i < inputs.Length; i++)
                sources.Add(FrameSourceFactory.Open(inputs[i], folderFps, names[i], decoderThreads: options.Cnn.DecoderThreadsPerFile));
            // Last, so that an input that cannot be opened leaves an existing output as it was.
            labelSink = LabelSinkFactory.Create(output, package.Labels);
        }
        catch (Exception ex) when (ex is ModelPackageException or FrameSourceException or FormatException or ArgumentException or VideoEncoderException or LabelSinkException)
        {
            foreach (var source in sources)
                source.Dispose();
            Log.Error("{Message}", ex.Message);
            return ex is LabelSinkException ? ExitCodes.OutputFailed : ExitCodes.InvalidSetup;
        }
        var toStandardOutput = output == LabelSinkFactory.StandardOutput;

        Log.Information("Model {Model} ({Labels}), {Trained}", package.Manifest.Name, string.Join(", ", package.Labels),
            package.Manifest.Trained ? "trained" : "UNTRAINED placeholder weights");
        PipelineResult run;
        try
        {
            var sinks = new List<ILabelSink> { labelSink };
            AnnotatedVideoSink? annotated = null;
            if (annotate is { } requested && encoders is not null)
            {
                annotated = new AnnotatedVideoSink(encoders, requested.Path, sources.Count, package.Labels, options.Temporal.Window, requested.Position);
                sinks.Add(annotated);
            }
            using var pipeline = new ClassificationPipeline(package, options, sinks);
            var expected = sources.All(s => s.ExpectedFrameCount.HasValue) ? sources.Sum(s => s.ExpectedFrameCount!.Value) : (long?)null;
            var running = pipeline.RunAsync(sources, cancellation);
            await ShowProgressAsync(running, () => pipeline.FramesLabelled, expected, onStandardOutput: !toStandardOutput);
            run = await running;
            annotated?.Complete();
        }
        catch (Exception ex) when (ex is DeviceUnavailableException or ModelPackageException or ArgumentException)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.InvalidSetup;
        }
        catch (Exception ex) when (ex is VideoEncoderException or LabelSinkException)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.OutputFailed;
        }

        // With the labels on standard output, it carries nothing else.
        PrintSummary(toStandardOutput ? Console.Error : Console.Out, run, package, toStandardOutput ? "standard output" : output);
        return run.AnyStreamFailed || run.AnyFramesSkipped ? ExitCodes.InputFailed : ExitCodes.Success;
    }

    /// <param name="onStandardOutput">False when standard output carries the labels: no progress bar then.</param>
    private static async Task ShowProgressAsync(Task running, Func<long> done, long? expected, bool onStandardOutput)
    {
        if (!onStandardOutput || !AnsiConsole.Profile.Capabilities.Interactive || Console.IsErrorRedirected)
        {
            await Task.WhenAny(running);
            return;
        }
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("frames", maxValue: expected ?? 1);
                task.IsIndeterminate = expected is null;
                while (!running.IsCompleted)
                {
                    task.Value = done();
                    await Task.WhenAny(running, Task.Delay(100));
                }
                task.Value = done();
            });
    }

    private static void PrintSummary(TextWriter summary, PipelineResult run, ModelPackage package, string output)
    {
        var culture = CultureInfo.InvariantCulture;
        summary.WriteLine(string.Create(culture, $"frames: {run.FramesLabelled} in {run.Elapsed.TotalSeconds:0.00} s ({run.FramesPerSecond:0.0} fps), written to {output}"));
        for (var i = 0; i < run.LabelCounts.Count; i++)
            summary.WriteLine(string.Create(culture, $"  {LabelThresholds.NameOf(package.Labels, i)}: {run.LabelCounts[i]} frames"));
        for (var s = 0; s < run.Streams.Count; s++)
        {
            var stream = run.Streams[s];
            var skipped = stream.FramesSkipped > 0 ? $", {stream.FramesSkipped} skipped (could not be decoded)" : "";
            var counts = s < run.StreamLabelCounts.Count ? run.StreamLabelCounts[s] : [];
            var labels = counts.Any(c => c > 0)
                ? " (" + string.Join(", ", counts.Select((c, i) => (c, i)).Where(p => p.c > 0).Select(p => $"{LabelThresholds.NameOf(package.Labels, p.i)} {p.c}")) + ")"
                : "";
            summary.WriteLine(stream.Failed
                ? $"stream {stream.Stream.Name}: FAILED after {stream.FramesCaptured} frames{skipped}{labels}: {stream.Error}"
                : $"stream {stream.Stream.Name}: {stream.FramesCaptured} frames{skipped}{labels}");
        }
    }
}
