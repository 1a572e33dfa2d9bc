using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Calibration;

namespace StreamLrcn.Cli;

/// <summary><c>model init</c> writes a package with random head weights; <c>model check</c> validates a package.</summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to write the package into.", Required = true };
        var labels = new Option<string>("--labels") { Description = "Comma-separated class names.", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "GRU hidden size.", DefaultValueFactory = _ => 128 };
        var layers = new Option<int>("--layers") { Description = "GRU layers.", DefaultValueFactory = _ => 1 };
        var window = new Option<int>("--window") { Description = "Sliding-window length.", DefaultValueFactory = _ => 16 };
        var stride = new Option<int>("--stride") { Description = "Sliding-window stride.", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "Replace a package that is already in the folder." };
        var init = new Command("init", "Write a model package whose head has random (untrained) weights, for trying the pipeline before training.")
        {
            output, labels, hidden, layers, window, stride, seed, force,
        };
        init.SetAction(result =>
        {
            if (ModelPackage.ExistsIn(result.GetValue(output)!) && !result.GetValue(force))
            {
                Log.Error("{Folder} already holds a model package ({Manifest}): expected an empty or new folder; add --force to replace it",
                    result.GetValue(output), ModelPackage.ManifestFileName);
                return ExitCodes.InvalidSetup;
            }
            var names = result.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, result.GetValue(hidden), result.GetValue(layers), names.Length, result.GetValue(seed));
            var manifest = new ModelManifest
            {
                Name = Path.GetFileName(Path.GetFullPath(result.GetValue(output)!).TrimEnd('/')),
                Description = "Untrained placeholder: random head weights, labels are not meaningful.",
                Trained = false,
                Labels = names,
                Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize },
                Head = new HeadSpec { File = "head.onnx", HiddenSize = weights.HiddenSize, Layers = weights.Layers.Count },
                Window = result.GetValue(window),
                Stride = result.GetValue(stride),
            };
            try
            {
                var package = ModelPackage.Write(result.GetValue(output)!, manifest, weights);
                Log.Information("Wrote untrained model package {Folder} with labels {Labels}", package.Directory, package.Labels);
                return ExitCodes.Success;
            }
            catch (ModelPackageException ex)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InvalidSetup;
            }
        });

        var check = PackageCommand("check", "Validate a model package against its manifest and show its int8 calibration.", package =>
        {
            Console.WriteLine($"{package.Directory}: ok ({package.Labels.Count} labels: {string.Join(", ", package.Labels)}; window {package.Manifest.Window}, stride {package.Manifest.Stride})");
            Console.WriteLine(DescribeCalibration(package));
        });
        var info = PackageCommand("info", "Show everything a model package's manifest and calibration say: labels, window, head, CNN, training data and options, export parity, int8 check, dates.",
            package => Console.Write(Describe(package)));

        return new Command("model", "Create, inspect, check or calibrate model packages.") { init, info, check, CreateCalibrate() };
    }

    /// <summary>A command that loads the package folder it is given and shows it; a package that does not load is exit code 2 with the reason.</summary>
    private static Command PackageCommand(string name, string description, Action<ModelPackage> show)
    {
        var folder = new Argument<string>("folder") { Description = "Model package folder." };
        var command = new Command(name, description) { folder };
        command.SetAction(result =>
        {
            try
            {
                show(ModelPackage.Load(result.GetValue(folder)!));
                return ExitCodes.Success;
            }
            catch (ModelPackageException ex)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InvalidSetup;
            }
        });
        return command;
    }

    /// <summary>The package in readable lines, for <c>model info</c>.</summary>
    public static string Describe(ModelPackage package)
    {
        var m = package.Manifest;
        var text = new StringBuilder();
        void Line(string key, object? value) => text.Append(CultureInfo.InvariantCulture, $"{key,-27} {value}\n");
        Line("package", package.Directory);
        Line("name", m.Name);
        if (m.Description is { } description)
            Line("description", description);
        Line("trained", m.Trained ? "yes" : "no (random head weights: labels are not meaningful)");
        Line("labels", string.Join(", ", m.Labels.Select((label, i) => $"{i}:{label}")));
        Line("window / stride", $"{m.Window} / {m.Stride} frames");
        Line("head", $"{m.Head.File}: GRU, {m.Head.Layers} layer(s) of {m.Head.HiddenSize}, {m.Labels.Count} outputs");
        Line("CNN", $"{m.Cnn.Model}, {m.Cnn.FeatureSize}-d {CnnFeatureNames.Name(CnnFeatureNames.From(m.Cnn))} features (derived by the runtime from its NuGet package)");
        Line("CNN inputs per frame", CnnStreams.From(m.Cnn).Describe() + $" ({m.Cnn.HeadFeatureSize} features into the head)");
        Line("none", (m.Labels[^1] == Temporal.LabelThresholds.NoneName ? "a background class; " : "") + (m.Thresholds is { } thresholds
            ? "below every threshold: " + string.Join(", ", m.Labels.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l} {thresholds[l]:0.####}")))
            : "no thresholds"));
        Line("format", $"{m.Format} version {m.FormatVersion}");
        if (m.Training is { Count: > 0 } training)
        {
            text.Append("training\n");
            foreach (var (key, value) in training)
                Line("  " + key, value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
        }
        else
            Line("training", "none recorded");
        Line("int8", DescribeCalibration(package)["int8: ".Length..]);
        if (package.Calibration is { } calibration)
        {
            Line("  calibrated on", string.Join(", ", calibration.Clips));
            Line("  method", $"{calibration.Method}, frame stride {calibration.FrameStride}, {calibration.Ranges.Count} tensors, source model {calibration.CnnSource}");
            if (calibration.Check is { } checkResult)
                Line("  checked on", string.Join(", ", checkResult.Clips));
        }
        return text.ToString();
    }

    /// <summary>One line on the package's int8 calibration: its ranges and the check of int8 against float32.</summary>
    public static string DescribeCalibration(ModelPackage package) => package.Calibration switch
    {
        null => $"int8: not calibrated (no {CnnCalibration.FileName}); the CPU runs float32. Calibrate with: StreamClassifier model calibrate {package.Directory} DATA",
        { Check: null } c => $"int8: ranges from {c.Frames} frames of {c.Clips.Count} clips ({c.Date}), never checked against float32: the CPU runs float32",
        var c => $"int8: ranges from {c.Frames} frames of {c.Clips.Count} clips ({c.Date}); check on {c.Check.ToString()}" +
            (c.Check.Passed ? "; the CPU runs int8 by default" : "; the CPU runs float32"),
    };

    private static Command CreateCalibrate()
    {
        var package = new Argument<string>("package") { Description = "Model package folder to calibrate." };
        var data = new Argument<string>("data") { Description = "Folder of clips: video files or folders of frames, directly in it or one folder level down (a training dataset)." };
        var train = new Option<string?>("--train") { Description = "Compute the ranges on clips matching these globs (e.g. '*_t[12]*') [default: every clip not matched by --val]." };
        var validation = new Option<string?>("--val") { Description = "Check int8 against float32 on clips matching these globs (e.g. '*_t3*') [default: every clip]." };
        var stride = new Option<int>("--frame-stride") { Description = "Use every k-th frame of each calibration clip.", DefaultValueFactory = _ => PackageCalibrator.DefaultFrameStride }
            .Require(k => k >= 1, "a whole number of frames from 1");
        var limit = new Option<double>("--max-changed-windows") { Description = "Largest percentage of window labels int8 may change on the check clips.", DefaultValueFactory = _ => CalibrationCheck.DefaultMaxChangedWindowFraction * 100 }
            .Require(p => p is >= 0 and <= 100, "a percentage from 0 to 100");
        var threads = new Option<int>("--threads") { Description = "CPU threads for the CNN (0: all cores).", DefaultValueFactory = _ => 0 }
            .Require(t => t >= 0, "0 (all cores) or more");
        var command = new Command("calibrate",
            "Compute the activation ranges of the int8 CNN on clips and check int8 against float32 through the package's head; " +
            $"the package gets {CnnCalibration.FileName} only when window labels change on at most --max-changed-windows percent of the check windows " +
            "(otherwise exit 1, and a previous calibration is kept).")
        {
            package, data, train, validation, stride, limit, threads,
        };
        command.SetAction(result =>
        {
            ModelPackage model;
            string[] calibrationClips, checkClips;
            try
            {
                model = ModelPackage.Load(result.GetValue(package)!);
                var clips = ListClips(result.GetValue(data)!);
                var checkPattern = result.GetValue(validation) is { } v ? new ClipPattern(v) : null;
                var calibrationPattern = result.GetValue(train) is { } t ? new ClipPattern(t) : null;
                checkClips = checkPattern is null ? clips : clips.Where(checkPattern.Matches).ToArray();
                calibrationClips = calibrationPattern is not null ? clips.Where(calibrationPattern.Matches).ToArray()
                    : checkPattern is not null ? clips.Where(c => !checkPattern.Matches(c)).ToArray()
                    : clips;
                if (calibrationClips.Length == 0 || checkClips.Length == 0)
                    throw new FormatException($"{(calibrationClips.Length == 0 ? $"--train '{result.GetValue(train)}'" : $"--val '{result.GetValue(validation)}'")} " +
                        $"matches none of the {clips.Length} clips in '{result.GetValue(data)}'");
            }
            catch (Exception ex) when (ex is ModelPackageException or FormatException or IOException)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InvalidSetup;
            }

            Log.Information("Calibrating the int8 CNN of {Package} on {Calibration} clip(s), frame stride {Stride}; checking on {Check} clip(s)",
                model.Directory, calibrationClips.Length, result.GetValue(stride), checkClips.Length);
            CnnCalibration calibration;
            try
            {
                calibration = PackageCalibrator.Calibrate(model, calibrationClips, checkClips, result.GetValue(stride),
                    result.GetValue(limit) / 100, result.GetValue(threads), clip => Log.Debug("Done with {Clip}", clip));
            }
            catch (FrameSourceException ex)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InputFailed;
            }
            Console.WriteLine($"int8 against float32 on {calibration.Check}");
            if (!calibration.Check!.Passed)
            {
                Log.Error("int8 changes too many window labels of {Package}: {Check}; {File} not written{Kept}", model.Directory, calibration.Check.ToString(),
                    CnnCalibration.FileName, model.Calibration is null ? "" : ", the previous calibration is kept");
                return ExitCodes.InputFailed;
            }
            calibration.Save(model.Directory);
            Console.WriteLine($"wrote {Path.Combine(model.Directory, CnnCalibration.FileName)}: ranges of {calibration.Ranges.Count} tensors from {calibration.Frames} frames of {calibration.Clips.Count} clips");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The clips directly in <paramref name="folder"/> and in its sub-folders that are not clips themselves (label folders).</summary>
    private static string[] ListClips(string folder)
    {
        if (!Directory.Exists(folder))
            throw new FormatException($"data folder '{folder}' does not exist: expected a folder of clips or of label folders with clips");
        var direct = ClipFiles.List(folder);
        var nested = Directory.EnumerateDirectories(folder).Where(d => !direct.Contains(Path.GetFullPath(d))).SelectMany(ClipFiles.List);
        var clips = direct.Concat(nested).ToArray();
        if (clips.Length == 0)
            throw new FormatException($"data folder '{folder}' holds no clips: expected {ClipFiles.Expected}, in it or in its sub-folders");
        return clips;
    }
}
