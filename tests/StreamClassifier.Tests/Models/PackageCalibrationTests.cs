using StreamLrcn.Cli;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Tests.Support;
using StreamLrcn.Calibration;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Models;

/// <summary>
/// The int8 calibration of model packages: the shipped default's, and <c>model calibrate</c> /
/// <c>model check</c> as a user runs them, on the real clips of ../shared/data.
/// </summary>
public sealed class PackageCalibrationTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string[] AllClips() => Directory.GetDirectories(SharedData.ArmGestures).Order(StringComparer.Ordinal)
        .SelectMany(d => Directory.GetFiles(d, "*.avi").Order(StringComparer.Ordinal)).ToArray();

    [SkippableFact]
    public void Int8_changes_no_window_label_of_the_18_arm_gesture_clips_with_the_default_package()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var package = ModelPackage.Load(RepoPaths.DefaultModel);
        Assert.True(package.Calibration is { Check.Passed: true }, $"models/default should ship a calibration whose check passed, found {package.Calibration?.Check?.ToString() ?? "none"}");
        var clips = AllClips();
        Assert.Equal(18, clips.Length);

        var result = CalibrationCheck.Run(package, package.Calibration!, clips);
        output.WriteLine(result.ToString());

        // 18 clips of 61-115 frames, window 16, stride 4: over 300 windows are compared.
        Assert.True(result.Windows > 300, $"expected over 300 windows on the 18 clips, found {result.Windows}");
        Assert.True(result.ChangedWindowLabels == 0, $"int8 changed window labels: {result}");
        // Difference images are mostly near zero, where int8's steps weigh more: measured min 0.851
        // (mean 0.954) for the shipped motion-stream package, 0.991 for the earlier frame-only one.
        var minCosine = CnnStreams.From(package.Manifest.Cnn).Difference is null ? 0.99 : 0.83;
        Assert.True(result.MinCosine >= minCosine, $"int8 features strayed from float32 (expected cosine at least {minCosine}): {result}");
        Assert.True(result.ChangedFrameLabels * 100 <= result.Frames, $"int8 changed over 1 % of the frame labels: {result}");
    }

    [SkippableFact]
    public void Model_calibrate_writes_a_checked_calibration_that_model_check_shows_and_replay_then_runs_int8_unless_asked_for_fp32()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var package = CopyOfDefaultWithoutCalibration();

        var calibrate = Support.Cli.Run("model", "calibrate", package, SharedData.ArmGestures, "--train", "p1_t1*", "--val", "p2_t3*");

        Assert.True(calibrate.ExitCode == ExitCodes.Success, calibrate.AllOutput);
        var calibration = ModelPackage.Load(package).Calibration;
        Assert.NotNull(calibration);
        Assert.Equal(["raise_arms_front/p1_t1.avi", "raise_arms_side/p1_t1.avi", "wave/p1_t1.avi"], calibration.Clips);
        Assert.Equal(["raise_arms_front/p2_t3.avi", "raise_arms_side/p2_t3.avi", "wave/p2_t3.avi"], calibration.Check!.Clips);
        Assert.True(calibration.Check.Passed, calibration.Check.ToString());
        Assert.Contains($"wrote {Path.Combine(package, CnnCalibration.FileName)}", calibrate.StandardOutput);

        var check = Support.Cli.Run("model", "check", package);
        Assert.True(check.ExitCode == ExitCodes.Success, check.AllOutput);
        Assert.Contains($"int8: ranges from {calibration.Frames} frames of 3 clips", check.StandardOutput);
        Assert.Contains("the CPU runs int8 by default", check.StandardOutput);

        var byDefault = Support.Cli.Run("replay", "pattern", "--model", package, "--out", _directory.File("int8.jsonl"), "--device", "cpu");
        Assert.True(byDefault.ExitCode == ExitCodes.Success, byDefault.AllOutput);
        Assert.Contains("thread(s) each, Int8", byDefault.StandardError);
        var asked = Support.Cli.Run("replay", "pattern", "--model", package, "--out", _directory.File("fp32.jsonl"), "--device", "cpu", "--precision", "fp32");
        Assert.True(asked.ExitCode == ExitCodes.Success, asked.AllOutput);
        Assert.Contains("thread(s) each, Float32", asked.StandardError);
    }

    [SkippableFact]
    public void Model_calibrate_refuses_a_head_whose_window_labels_int8_changes_and_keeps_the_previous_calibration()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        // A random head sits near a tie between its labels, so int8's small feature errors flip
        // several percent of its window labels (measured: 9 of 109 on the t3 clips).
        var package = _directory.File("random");
        TestModels.Write(package, window: 16, stride: 4);
        var previous = File.ReadAllText(Path.Combine(RepoPaths.DefaultModel, CnnCalibration.FileName));
        File.WriteAllText(Path.Combine(package, CnnCalibration.FileName), previous);

        var run = Support.Cli.Run("model", "calibrate", package, SharedData.ArmGestures, "--train", "p1_t1*", "--val", "*_t3*");

        Assert.True(run.ExitCode == ExitCodes.InputFailed, run.AllOutput);
        Assert.Contains("int8 changes too many window labels", run.StandardError);
        Assert.Contains("limit 1 %): FAILED", run.StandardError);
        Assert.Contains("the previous calibration is kept", run.StandardError);
        CliAssert.NoStackTrace(run);
        Assert.Equal(previous, File.ReadAllText(Path.Combine(package, CnnCalibration.FileName)));
    }

    [Theory]
    [InlineData("--val", "p9_*", "--val 'p9_*' matches none of the")]
    [InlineData("--frame-stride", "0", "--frame-stride takes a whole number of frames from 1, found '0'")]
    public void Model_calibrate_with_clips_it_cannot_use_says_so_and_writes_nothing(string option, string value, string expected)
    {
        var clips = _directory.File("clips");
        Directory.CreateDirectory(Path.Combine(clips, "a"));
        TestMedia.MjpgAvi(Path.Combine(clips, "a", "p1_t1.avi"), frames: 4, width: 64, height: 48);
        var package = _directory.File("pkg");
        TestModels.Write(package);

        var run = Support.Cli.Run("model", "calibrate", package, clips, option, value);

        Assert.True(run.ExitCode == ExitCodes.InvalidSetup, run.AllOutput);
        Assert.Contains(expected, run.StandardError);
        CliAssert.NoStackTrace(run);
        Assert.False(File.Exists(Path.Combine(package, CnnCalibration.FileName)));
    }

    [Fact]
    public void Writing_a_new_head_removes_the_calibration_checked_through_the_old_one()
    {
        var package = _directory.File("pkg");
        TestModels.Write(package);
        File.Copy(Path.Combine(RepoPaths.DefaultModel, CnnCalibration.FileName), Path.Combine(package, CnnCalibration.FileName));
        Assert.NotNull(ModelPackage.Load(package).Calibration);

        TestModels.Write(package, seed: 8);

        Assert.Null(ModelPackage.Load(package).Calibration);
    }

    private string CopyOfDefaultWithoutCalibration()
    {
        var copy = _directory.File("default");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(RepoPaths.DefaultModel).Where(f => Path.GetFileName(f) != CnnCalibration.FileName))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        Assert.Null(ModelPackage.Load(copy).Calibration);
        return copy;
    }
}
