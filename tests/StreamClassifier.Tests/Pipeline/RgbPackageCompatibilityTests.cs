using System.Text.Json.Nodes;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Pipeline;

/// <summary>
/// A package from before the motion stream (the frame-only models/default of 2026-11-29, kept in
/// TestData with the labels the build before the streams wrote for two real clips, float32 CNN)
/// still loads as a frame-only package and labels those clips as it did.
/// </summary>
public sealed class RgbPackageCompatibilityTests
{
    private static readonly string Package = Path.Combine(RepoPaths.Root, "tests", "StreamClassifier.Tests", "TestData", "rgb-package-2026-11-29");

    [SkippableFact]
    public void A_frame_only_package_of_the_previous_format_labels_real_clips_as_the_build_before_the_streams_did()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        Assert.Same(CnnStreams.RgbOnly, CnnStreams.From(ModelPackage.Load(Package).Manifest.Cnn));
        using var folder = new TempDirectory();
        var output = folder.File("labels.jsonl");

        var run = Support.Cli.Run("replay", Path.Combine(SharedData.ArmGestures, "wave", "p2_t3.avi"), Path.Combine(SharedData.ArmGestures, "raise_arms_front", "p1_t1.avi"),
            "--model", Package, "--precision", "fp32", "--device", "cpu", "--out", output);

        Assert.True(run.ExitCode == 0, run.AllOutput);
        var before = File.ReadAllLines(Path.Combine(Package, "labels-before-streams.jsonl")).Select(l => JsonNode.Parse(l)!).ToArray();
        var now = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(before.Length, now.Length);
        var labelsCompared = 0;
        for (var i = 0; i < before.Length; i++)
        {
            Assert.Equal((string)before[i]["stream"]!, (string)now[i]["stream"]!);
            Assert.Equal((long)before[i]["frame"]!, (long)now[i]["frame"]!);
            labelsCompared += SameLabel(before[i], now[i], i);
            Assert.Equal(before[i]["window"] is null, now[i]["window"] is null);
            if (before[i]["window"] is { } window)
                SameLabel(window, now[i]["window"]!, i);
        }
        // Only near-ties (top two within 0.01, one frame of these clips) may differ between CPUs.
        Assert.True(labelsCompared >= before.Length - 2, $"{labelsCompared} of {before.Length} frame labels compared");
    }

    /// <summary>1 when the labels were compared (not a near-tie); probabilities agree within 2e-3 (the CNN's float32 sums differ slightly between CPUs).</summary>
    private static int SameLabel(JsonNode before, JsonNode now, int line)
    {
        var probabilities = before["probabilities"]!.AsObject().ToDictionary(p => p.Key, p => (double)p.Value!);
        foreach (var (label, p) in probabilities)
            Assert.True(Math.Abs(p - (double)now["probabilities"]![label]!) <= 2e-3, $"line {line}: probability of {label} was {p}, now {now["probabilities"]![label]}");
        var top = probabilities.Values.OrderDescending().ToArray();
        if (top[0] - top[1] < 0.01)
            return 0;
        Assert.Equal((string)before["label"]!, (string)now["label"]!);
        return 1;
    }
}
