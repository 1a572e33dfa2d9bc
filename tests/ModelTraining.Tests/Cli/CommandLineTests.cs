using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Training.Cli;

namespace StreamLrcn.Training.Tests.Cli;

public sealed class CommandLineTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Train_then_evaluate_write_a_loadable_package_and_reports_with_plots()
    {
        var data = GrowAndShrink(clips: 3, seed: 50);
        var model = _directory.Combine("model");
        var report = _directory.Combine("report");
        var cache = _directory.Combine("cache");

        var trained = Invoke(out _, "train", data, "--out", model, "--report", report, "--cache", cache, "--device", "cpu",
            "--train", "p1_*", "--val", "p2_*", "--sampling", "even", "--window", "6", "--stride", "2", "--hidden", "8", "--epochs", "3", "--no-flip");
        var evaluated = Invoke(out var output, "evaluate", data, "--model", model, "--test", "p2_*", "--report", _directory.Combine("eval"),
            "--cache", cache, "--device", "cpu");

        Assert.Equal(ExitCodes.Success, trained);
        Assert.Equal(ExitCodes.Success, evaluated);
        var package = ModelPackage.Load(model);
        Assert.Equal(["grow", "shrink"], package.Labels);
        Assert.Equal((6, 2, 8), (package.Manifest.Window, package.Manifest.Stride, package.Manifest.Head.HiddenSize));
        Assert.Equal("train p1_*, validation p2_*", package.Manifest.Training!["split"].GetString());
        Assert.True(package.Manifest.Training["exportMaxAbsDifference"].GetDouble() <= 1e-5);
        Assert.Equal(["cnn-calibration.json", "head.onnx", "manifest.json"], Directory.GetFiles(model).Select(Path.GetFileName).Order());
        // The int8 ranges come from the training clips, the check through the new head from the validation clips.
        var calibration = package.Calibration!;
        Assert.All(calibration.Clips, clip => Assert.Contains("/p1_", clip));
        Assert.All(calibration.Check!.Clips, clip => Assert.Contains("/p2_", clip));
        Assert.True(calibration.Check.Passed, calibration.Check.ToString());
        foreach (var png in new[] { "curves.png", "confusion-clips.png", "confusion-windows.png" })
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(report, png))[..4]);
        using var evaluation = JsonDocument.Parse(File.ReadAllText(_directory.Combine("eval", "evaluation.json")));
        Assert.Equal(2, evaluation.RootElement.GetProperty("clips").GetInt32()); // p2_seq1 of each label
        Assert.Equal(2, evaluation.RootElement.GetProperty("clipConfusion").EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(c => c.GetInt32()));
        Assert.Contains("clip accuracy", output);
    }

    [Fact]
    public void Train_with_grid2_features_writes_a_calibrated_grid2_package_and_evaluate_scores_it()
    {
        var data = GrowAndShrink(clips: 2, seed: 70);
        var model = _directory.Combine("model");
        var cache = _directory.Combine("cache");

        var trained = Invoke(out _, "train", data, "--out", model, "--report", _directory.Combine("report"), "--cache", cache, "--device", "cpu",
            "--train", "p1_*", "--val", "p2_*", "--sampling", "even", "--window", "6", "--stride", "2", "--hidden", "8", "--epochs", "2", "--no-flip",
            "--features", "grid2");
        var evaluated = Invoke(out var output, "evaluate", data, "--model", model, "--test", "p2_*", "--report", _directory.Combine("eval"),
            "--cache", cache, "--device", "cpu");

        Assert.Equal(ExitCodes.Success, trained);
        Assert.Equal(ExitCodes.Success, evaluated);
        var package = ModelPackage.Load(model);
        Assert.Equal(("grid2", 2048), (package.Manifest.Cnn.Features, package.Manifest.Cnn.FeatureSize));
        Assert.Equal("grid2", package.Manifest.Training!["features"].GetString());
        // The int8 check ran the grid2 CNNs through the new head (a pooled CNN could not feed its 2048 inputs).
        Assert.Equal(["cnn-calibration.json", "head.onnx", "manifest.json"], Directory.GetFiles(model).Select(Path.GetFileName).Order());
        Assert.True(package.Calibration!.Check!.Passed, package.Calibration.Check.ToString());
        // The cache keys on the grid2 model: its entries hold 2048 features a frame.
        var entry = Directory.GetFiles(cache, "*.f32").First();
        Assert.Equal(2048, BitConverter.ToInt32(File.ReadAllBytes(entry), 8));
        Assert.Contains("clip accuracy", output);
    }

    /// <summary>Clip i of each label by person i % 2 + 1: a disc growing, and the same frames backward.</summary>
    private string GrowAndShrink(int clips, int seed)
    {
        var data = _directory.Combine("data");
        for (var i = 0; i < clips; i++)
        {
            var frames = SyntheticClips.GrowingDisc(6, seed: seed + i);
            SyntheticClips.WriteFolder(Path.Combine(data, "grow", $"p{i % 2 + 1}_seq{i}"), frames);
            SyntheticClips.WriteFolder(Path.Combine(data, "shrink", $"p{i % 2 + 1}_seq{i}"), frames.Reverse().ToArray());
            SyntheticClips.DisposeAll(frames);
        }
        return data;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("p2_*")]
    public void Train_without_a_validation_set_warns_that_nothing_stops_early_or_is_scored_on_held_out_clips(string? validation)
    {
        var data = GrowAndShrink(clips: 2, seed: 70);
        var report = _directory.Combine("report");
        string[] args = ["train", data, "--out", _directory.Combine("model"), "--report", report, "--cache", _directory.Combine("cache"), "--device", "cpu",
            "--train", "p1_*", "--sampling", "even", "--window", "6", "--hidden", "8", "--epochs", "2", "--no-flip", "--no-calibration"];
        if (validation is not null)
            args = [.. args, "--val", validation];

        int code;
        IReadOnlyList<(Serilog.Events.LogEventLevel Level, string Message)> events;
        using (var log = new LogCapture())
        {
            code = Invoke(out _, args);
            events = log.Events;
        }

        Assert.Equal(ExitCodes.Success, code);
        var warnings = events.Where(e => e.Level == Serilog.Events.LogEventLevel.Warning && e.Message.StartsWith("No validation set", StringComparison.Ordinal)).ToArray();
        if (validation is null)
        {
            var warning = Assert.Single(warnings).Message;
            Assert.Contains("no early stopping", warning);
            Assert.Contains("no evaluation report scored on held-out clips", warning);
            Assert.Contains("--val", warning);
            Assert.False(File.Exists(Path.Combine(report, "evaluation.json")));
        }
        else
        {
            Assert.Empty(warnings);
            Assert.True(File.Exists(Path.Combine(report, "evaluation.json")));
        }
    }

    [Fact]
    public void Train_into_a_folder_that_holds_a_package_refuses_without_force_and_leaves_it_as_it_was()
    {
        var model = _directory.Combine("model");
        var weights = HeadWeights.Random(512, 8, 1, 2, seed: 3);
        ModelPackage.Write(model, new ModelManifest
        {
            Name = "kept", Labels = ["a", "b"], Window = 4, Stride = 2,
            Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = 512 },
            Head = new HeadSpec { File = "head.onnx", HiddenSize = 8, Layers = 1 },
        }, weights);
        var before = File.ReadAllBytes(Path.Combine(model, ModelPackage.ManifestFileName));

        var code = Invoke(out _, "train", _directory.Combine("no-such-data"), "--out", model, "--cache", _directory.Combine("cache"));

        Assert.Equal(ExitCodes.InvalidSetup, code);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(model, ModelPackage.ManifestFileName)));
    }

    [Theory]
    [InlineData("--sampling", "foo", "--sampling takes one of even, window, whole, found 'foo'")]
    [InlineData("--optimizer", "rmsprop", "--optimizer takes one of sgd, adam, found 'rmsprop'")]
    [InlineData("--train-batch", "many", "--train-batch takes a whole number, found 'many'")]
    public void A_bad_value_is_one_line_naming_the_option_with_exit_code_2_and_no_type_name(string option, string value, string expected)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "ModelTraining.dll"), "train", _directory.Combine("data"), "--out", _directory.Combine("model"), option, value })
            start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(ExitCodes.InvalidSetup, process.ExitCode);
        Assert.Contains(expected, errors);
        Assert.DoesNotContain("StreamLrcn.", errors + output.Result);
    }

    [Fact]
    public void Train_on_a_missing_dataset_exits_with_the_setup_code_and_writes_nothing()
    {
        var model = _directory.Combine("model");

        var code = Invoke(out _, "train", _directory.Combine("no-such-data"), "--out", model, "--cache", _directory.Combine("cache"));

        Assert.Equal(ExitCodes.InvalidSetup, code);
        Assert.False(Directory.Exists(model));
    }

    [Fact]
    public void Idle_clips_train_a_background_class_beside_thresholds_and_a_motion_step_given_as_a_time()
    {
        var data = _directory.Combine("data");
        for (var i = 0; i < 3; i++)
        {
            var frames = SyntheticClips.GrowingDisc(8, seed: 70 + i);
            SyntheticClips.WriteAvi(Path.Combine(data, "grow", $"p{i % 2 + 1}_seq{i}.avi"), frames, fps: 25);
            SyntheticClips.WriteAvi(Path.Combine(data, "shrink", $"p{i % 2 + 1}_seq{i}.avi"), frames.Reverse().ToArray(), fps: 25);
            SyntheticClips.DisposeAll(frames);
        }
        var idle = _directory.Combine("idle");
        var model = _directory.Combine("model");
        var cache = _directory.Combine("cache");

        var written = Invoke(out var idleOutput, "idle-clips", data, "--out", idle, "--from", "grow", "--kinds", "still,shake", "--frames", "8");
        var trained = Invoke(out var trainOutput, "train", data, "--background", idle, "--out", model, "--report", _directory.Combine("report"), "--cache", cache,
            "--device", "cpu", "--train", "p1_*", "--val", "p2_*", "--window", "6", "--stride", "2", "--hidden", "8", "--epochs", "3", "--no-flip",
            "--streams", "difference", "--difference-steps", "1,2", "--none-recall", "0.9", "--no-calibration");
        var evaluated = Invoke(out var evaluateOutput, "evaluate", data, "--background", idle, "--model", model, "--test", "p2_*",
            "--report", _directory.Combine("eval"), "--cache", cache, "--device", "cpu");

        Assert.Equal(ExitCodes.Success, written);
        Assert.Contains("6 clips written", idleOutput);
        Assert.Equal(["p1_seq0-grow-shake.mp4", "p1_seq0-grow-still.mp4", "p1_seq2-grow-shake.mp4", "p1_seq2-grow-still.mp4", "p2_seq1-grow-shake.mp4", "p2_seq1-grow-still.mp4"],
            Directory.GetFiles(idle, "*.mp4").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(trained == ExitCodes.Success, trainOutput);
        var package = ModelPackage.Load(model);
        Assert.Equal(["grow", "shrink", "none"], package.Labels);
        // Gestures of p1 and the idle clips made from p1's clips train; p2's validate.
        Assert.Equal(4 + 4, package.Manifest.Training!["trainClips"].GetInt32());
        Assert.Equal(2 + 2, package.Manifest.Training["validationClips"].GetInt32());
        Assert.Contains("synthetic idle clips (still, shake; 8 frames", package.Manifest.Training["background"].GetString());
        Assert.Equal(0, package.Manifest.Thresholds!["none"]);
        Assert.InRange(package.Manifest.Thresholds["grow"], 0, 1);
        // The clips play at 25 fps: the step is one frame at that rate.
        Assert.Equal(new DifferenceSpec { Step = 1, Scale = 2, FramesPerSecond = 25 }, package.Manifest.Cnn.Difference);
        Assert.Equal(ExitCodes.Success, evaluated);
        using var evaluation = JsonDocument.Parse(File.ReadAllText(_directory.Combine("eval", "evaluation.json")));
        var perClip = evaluation.RootElement.GetProperty("perClip").EnumerateArray().ToArray();
        Assert.Equal(4, perClip.Length);
        Assert.All(perClip, c => Assert.InRange(c.GetProperty("noneFrames").GetInt32(), 0, c.GetProperty("frames").GetInt32()));
        Assert.Contains("labelled none", evaluateOutput);
    }

    [Fact]
    public void Train_help_explains_the_dataset_layout_and_the_split_options()
    {
        Invoke(out var help, "train", "--help");

        Assert.Contains("one sub-folder per label", help);
        Assert.Contains("--train", help);
        Assert.Contains("--val-fraction", help);
        Assert.Contains("--sampling", help);
    }

    private static int Invoke(out string output, params string[] args)
    {
        var root = new RootCommand { TrainCommand.Create(), EvaluateCommand.Create(), IdleClipsCommand.Create() };
        using var writer = new StringWriter();
        var previous = Console.Out;
        var previousAnsi = AnsiConsole.Console;
        Console.SetOut(writer);
        // Spectre's static console keeps the Console.Out it was created with; without its own console per
        // command, the next command's progress bar would write to this (by then disposed) writer.
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { Output = writer });
        }
        finally
        {
            AnsiConsole.Console = previousAnsi;
            Console.SetOut(previous);
            output = writer.ToString();
        }
    }
}
