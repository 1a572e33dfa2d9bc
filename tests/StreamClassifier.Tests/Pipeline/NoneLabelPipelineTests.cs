using System.Text.Json;
using System.Text.Json.Nodes;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Pipeline;

public sealed class NoneLabelPipelineTests
{
    [SkippableFact]
    public async Task With_thresholds_frames_below_all_of_them_are_none_with_their_probabilities_still_written()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var folder = new TempDirectory();
        var plain = TestModels.Write(folder.File("plain"), hidden: 16, window: 8, stride: 4);
        var clip = Path.Combine(SharedData.ArmGestures, "wave", "p1_t2.avi");
        var before = await Replay(plain, clip, folder.File("plain.jsonl"));

        // Thresholds at each label's upper quartile over the clip: some frames pass, some do not.
        var thresholds = TestModels.Labels.Select((label, c) => (label, value: UpperQuartile(before.Select(r => (double)r["probabilities"]![label]!))))
            .ToDictionary(p => p.label, p => p.value);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(plain.Directory, "manifest.json")))!.AsObject();
        manifest["thresholds"] = JsonSerializer.SerializeToNode(thresholds);
        Directory.CreateDirectory(folder.File("thresholds"));
        File.Copy(plain.HeadPath, Path.Combine(folder.File("thresholds"), "head.onnx"));
        File.WriteAllText(Path.Combine(folder.File("thresholds"), "manifest.json"), manifest.ToJsonString());
        var after = await Replay(ModelPackage.Load(folder.File("thresholds")), clip, folder.File("thresholds.jsonl"));

        Assert.Equal(before.Count, after.Count);
        var none = 0;
        for (var f = 0; f < before.Count; f++)
        {
            var probabilities = TestModels.Labels.Select(l => (double)before[f]["probabilities"]![l]!).ToArray();
            var passing = Enumerable.Range(0, probabilities.Length).Where(c => probabilities[c] >= thresholds[TestModels.Labels[c]]).ToArray();
            var expected = passing.Length == 0 ? "none" : TestModels.Labels[passing.MaxBy(c => probabilities[c])];
            Assert.Equal(expected, (string)after[f]["label"]!);
            Assert.Equal(before[f]["probabilities"]!.ToJsonString(), after[f]["probabilities"]!.ToJsonString());
            none += expected == "none" ? 1 : 0;
        }
        Assert.InRange(none, 1, before.Count - 1);
    }

    [Fact]
    public void Thresholds_must_name_every_label_once_with_a_probability()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path);
        string Error(string json)
        {
            Models.ModelPackageTests.EditManifest(folder.Path, m => m["thresholds"] = JsonNode.Parse(json));
            return Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path)).Message;
        }

        Assert.Contains("field 'thresholds' expected a threshold for every label, found none for 'still'", Error("""{"left":0.5,"right":0.5}"""));
        Assert.Contains("field 'thresholds' expected only the package's labels, found 'up'", Error("""{"left":0.5,"right":0.5,"still":0.5,"up":0.5}"""));
        Assert.Contains("field 'thresholds.right' expected a probability from 0 to 1, found 1.5", Error("""{"left":0.5,"right":1.5,"still":0.5}"""));
        Models.ModelPackageTests.EditManifest(folder.Path, m => m["thresholds"] = JsonNode.Parse("""{"left":0.5,"right":0.5,"still":0.5}"""));
        Assert.Equal(0.5, ModelPackage.Load(folder.Path).Manifest.Thresholds!["still"]);
    }

    [SkippableFact]
    public async Task With_a_background_class_and_thresholds_none_is_one_label_whether_the_class_wins_or_no_gesture_reaches_its_threshold()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var folder = new TempDirectory();
        string[] labels = ["left", "right", "none"];
        var manifest = TestModels.Manifest(hidden: 16, labels: labels);
        var plain = ModelPackage.Write(folder.File("plain"), manifest, HeadWeights.Random(ResNet18FeatureModel.FeatureSize, 16, 1, 3, seed: 21));
        var clip = Path.Combine(SharedData.ArmGestures, "raise_arms_side", "p2_t2.avi");
        var before = await Replay(plain, clip, folder.File("plain.jsonl"), expectedCounts: 3);
        // Thresholds of the gestures at their upper quartile over the clip; the background class may always win.
        var thresholds = labels.ToDictionary(l => l, l => l == "none" ? 0 : UpperQuartile(before.Select(r => (double)r["probabilities"]![l]!)));
        var package = ModelPackage.Write(folder.File("thresholds"), manifest with { Thresholds = thresholds }, HeadWeights.Random(ResNet18FeatureModel.FeatureSize, 16, 1, 3, seed: 21));

        var after = await Replay(package, clip, folder.File("thresholds.jsonl"), expectedCounts: 3);

        var belowAll = 0;
        for (var f = 0; f < before.Count; f++)
        {
            var p = labels.Select(l => (double)before[f]["probabilities"]![l]!).ToArray();
            var passing = Enumerable.Range(0, 2).Where(c => p[c] >= thresholds[labels[c]]).ToArray();
            var expected = passing.Length == 0 || passing.All(c => p[c] < p[2]) ? "none" : labels[passing.MaxBy(c => p[c])];
            Assert.Equal(expected, (string)after[f]["label"]!);
            // The confidence of none, however reached, is the highest probability; of a gesture, its own.
            Assert.Equal(expected == "none" ? p.Max() : p[Array.IndexOf(labels, expected)], (double)after[f]["confidence"]!, 5);
            belowAll += passing.Length == 0 ? 1 : 0;
        }
        // Frames below every gesture's threshold occur on this clip, and so do gestures; every label written is one of the package's.
        Assert.InRange(belowAll, 1, before.Count - 1);
        Assert.Contains(after, r => (string)r["label"]! != "none");
        Assert.Subset(labels.ToHashSet(), after.Select(r => (string)r["label"]!).ToHashSet());
    }

    [Fact]
    public void With_thresholds_a_label_named_none_must_be_the_last_the_background_class()
    {
        using var folder = new TempDirectory();
        var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, 8, 1, 3, seed: 2);
        var thresholds = new Dictionary<string, double> { ["a"] = 0.5, ["none"] = 0, ["b"] = 0.5 };

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Write(folder.File("first"), TestModels.Manifest(hidden: 8, labels: ["none", "a", "b"]) with { Thresholds = thresholds }, weights));
        var last = ModelPackage.Write(folder.File("last"), TestModels.Manifest(hidden: 8, labels: ["a", "b", "none"]) with { Thresholds = thresholds }, weights);

        Assert.Contains("field 'labels' expected 'none' only as the last label (a background class) in a package with thresholds, found 'none' at position 1 of 3", error.Message);
        Assert.Equal(["a", "b", "none"], last.Labels);
    }

    private static double UpperQuartile(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length * 3 / 4];
    }

    private static async Task<List<JsonNode>> Replay(ModelPackage package, string clip, string output, int? expectedCounts = null)
    {
        var options = new PipelineOptions(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Float32, InFlightBatches: 1),
            new BatchingOptions(4, TimeSpan.FromMilliseconds(20)), new TemporalOptions(8, 4, TimeSpan.FromSeconds(1)), PipelineMode.Replay);
        using (var pipeline = new ClassificationPipeline(package, options, [LabelSinkFactory.Create(output, package.Labels)]))
        {
            var result = await pipeline.RunAsync([new VideoFileSource(clip)], CancellationToken.None);
            Assert.Equal(expectedCounts ?? (package.Manifest.Thresholds is null ? 3 : 4), result.LabelCounts.Count);
            Assert.Equal(result.FramesLabelled, result.LabelCounts.Sum());
        }
        return File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToList();
    }
}
