using StreamLrcn.Cli;
using StreamLrcn.Models;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cli;

/// <summary><c>model init</c> and <c>model info</c> as a user runs them.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Model_init_refuses_to_replace_a_package_unless_forced()
    {
        var folder = _directory.File("pkg");
        Assert.Equal(ExitCodes.Success, Support.Cli.Run("model", "init", "--out", folder, "--labels", "a,b").ExitCode);
        var first = File.ReadAllBytes(Path.Combine(folder, "head.onnx"));

        var refused = Support.Cli.Run("model", "init", "--out", folder, "--labels", "a,b", "--seed", "2");

        Assert.True(refused.ExitCode == ExitCodes.InvalidSetup, refused.AllOutput);
        Assert.Contains("already holds a model package (manifest.json)", refused.StandardError);
        Assert.Contains("add --force to replace it", refused.StandardError);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(folder, "head.onnx")));

        var forced = Support.Cli.Run("model", "init", "--out", folder, "--labels", "a,b", "--seed", "2", "--force");

        Assert.True(forced.ExitCode == ExitCodes.Success, forced.AllOutput);
        Assert.NotEqual(first, File.ReadAllBytes(Path.Combine(folder, "head.onnx")));
    }

    [Fact]
    public void Model_info_shows_what_the_manifest_and_calibration_of_the_default_package_say()
    {
        var package = ModelPackage.Load(RepoPaths.DefaultModel);

        var run = Support.Cli.Run("model", "info", RepoPaths.DefaultModel);

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        var lines = run.StandardOutput.Split('\n');
        string Value(string key) => lines.Single(l => l.TrimStart().StartsWith(key + " ", StringComparison.Ordinal))[28..];
        Assert.Equal(string.Join(", ", package.Labels.Select((l, i) => $"{i}:{l}")), Value("labels"));
        Assert.Equal($"{package.Manifest.Window} / {package.Manifest.Stride} frames", Value("window / stride"));
        // Three gestures and the background class "none".
        Assert.Equal($"head.onnx: GRU, 1 layer(s) of {package.Manifest.Head.HiddenSize}, 4 outputs", Value("head"));
        Assert.Equal("a background class; below every threshold: " + string.Join(", ", package.Labels.Select(l =>
            $"{l} {Math.Round(package.Manifest.Thresholds![l], 4).ToString(System.Globalization.CultureInfo.InvariantCulture)}")), Value("none"));
        Assert.Equal("difference(step=1,scale=2,at=29.97fps) (512 features into the head)", Value("CNN inputs per frame"));
        Assert.Equal(package.Manifest.Training!["split"].GetString(), Value("split"));
        Assert.Equal(package.Manifest.Training["date"].GetString(), Value("date"));
        Assert.Equal(package.Manifest.Training["exportMaxAbsDifference"].GetRawText(), Value("exportMaxAbsDifference"));
        Assert.StartsWith($"ranges from {package.Calibration!.Frames} frames of {package.Calibration.Clips.Count} clips", Value("int8"));
        Assert.Equal(string.Join(", ", package.Calibration.Check!.Clips), Value("checked on"));
    }
}
