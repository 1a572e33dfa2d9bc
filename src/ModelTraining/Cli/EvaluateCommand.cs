using System.CommandLine;
using System.Text.Json;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Cli;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Evaluation;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Cli;

/// <summary><c>evaluate</c>: scores a model package on clips through ONNX Runtime and writes the report.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Dataset folder (one sub-folder per label, the model's labels)." };
        var model = new Option<string>("--model", "-m") { Description = "Model package folder.", DefaultValueFactory = _ => "models/default" };
        var test = new Option<string?>("--test") { Description = "Evaluate only clips whose file name matches these globs (comma-separated, e.g. 'p2_*') [default: all clips]." };
        var report = new Option<string?>("--report") { Description = "Folder for evaluation.json, evaluation.md and the confusion-matrix plots [default: out/reports/<model name>-eval]." };
        var sampling = new Option<SamplingMode?>("--sampling") { Description = "How clip labels are formed [default: what the model was trained with, from its manifest]." }.LowercaseChoices();
        var cache = new Option<string?>("--cache") { Description = "Feature cache folder [default: $STREAMLRCN_CACHE/features or ~/.cache/streamlrcn/features]." };
        var device = new Option<string>("--device") { Description = "Where the CNN runs while extracting features: auto, cpu, cuda or cuda:ID.", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--cnn-threads") { Description = "CPU threads of the CNN while extracting features (0: all cores).", DefaultValueFactory = _ => 0 };
        var every = new Option<int>("--every")
        {
            Description = "Score every N-th frame of each clip, as a stream at 1/N of the clips' frame rate would be labelled (2: half the frame rate; " +
                "a difference stream then spans N times its step).",
            DefaultValueFactory = _ => 1,
        };
        var background = new Option<string?>("--background") { Description = "Folder of clips of no gesture scored as the label 'none', instead of DATA/_none (e.g. written by idle-clips)." };
        var command = new Command("evaluate",
            "Score a model package on labelled clips: clip, sliding-window and per-frame accuracy, each beside its balanced accuracy and majority baseline, " +
            "per-class precision and recall, confusion matrices (JSON, markdown, PNG).")
        {
            data, model, test, report, sampling, cache, device, threads, every, background,
        };
        command.SetAction(result =>
        {
            ModelPackage package;
            CnnStreams streams;
            var frameStep = result.GetValue(every);
            IReadOnlyList<LabelledClip> clips;
            FeatureStore store;
            string description;
            try
            {
                if (frameStep < 1)
                    throw new FormatException($"--every expected 1 or more frames, found {frameStep}");
                package = ModelPackage.Load(result.GetValue(model)!);
                streams = CnnStreams.From(package.Manifest.Cnn);
                var dataset = ClipDataset.Scan(result.GetValue(data)!, package.Labels, result.GetValue(background));
                var pattern = result.GetValue(test) is { } text ? new ClipPattern(text) : null;
                clips = pattern is null ? dataset.Clips : dataset.Clips.Where(c => pattern.Matches(c.Path)).ToArray();
                if (clips.Count == 0)
                    throw new DatasetException($"test pattern '{pattern}' matches no clip of {dataset.Clips.Count} in '{dataset.Root}'");
                description = $"{result.GetValue(data)} ({(pattern is null ? "all clips" : $"clips {pattern}")}{(frameStep > 1 ? $", one frame in {frameStep}" : "")})";
                store = FeatureLoading.CreateStore(result.GetValue(cache), result.GetValue(device)!, result.GetValue(threads),
                    features: CnnFeatureNames.From(package.Manifest.Cnn));
            }
            catch (Exception ex) when (ex is DatasetException or ModelPackageException or FormatException or DeviceUnavailableException)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InvalidSetup;
            }

            var mode = result.GetValue(sampling) ?? TrainedSampling(package);
            IReadOnlyList<ClipFeatures> features;
            try
            {
                features = FeatureLoading.Load((out FeatureLoadStatistics s, Action<long, long> progress) => store.LoadEveryNth(clips, streams, frameStep, out s, progress),
                    "evaluate", out _);
            }
            catch (FrameSourceException ex)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.Failed;
            }
            var evaluation = Evaluator.Evaluate(package, features, mode, description);
            var folder = result.GetValue(report) ?? Path.Combine("out", "reports", package.Manifest.Name + "-eval");
            ReportWriter.Write(folder, evaluation);
            foreach (var warning in ReportWriter.BaselineWarnings(evaluation))
                Log.Warning("{Warning}", warning);
            Console.WriteLine($"{package.Directory} on {description}: {ReportWriter.Summary(evaluation)}; report in {folder}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static SamplingMode TrainedSampling(ModelPackage package) =>
        package.Manifest.Training?.TryGetValue("sampling", out var value) == true && value.ValueKind == JsonValueKind.String
        && Enum.TryParse<SamplingMode>(value.GetString(), ignoreCase: true, out var mode)
            ? mode
            : SamplingMode.Even;
}
