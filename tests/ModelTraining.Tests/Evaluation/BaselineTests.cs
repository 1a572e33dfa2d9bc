using System.Text.Json;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Evaluation;
using StreamLrcn.Training.Features;
using StreamLrcn.Training.Training;

namespace StreamLrcn.Training.Tests.Evaluation;

/// <summary>
/// Balanced accuracy and the majority baseline, scored through a real package in ONNX Runtime. The head is
/// built to say what each clip's features point at, so every clip's prediction is chosen by the test.
/// </summary>
public sealed class BaselineTests : IDisposable
{
    private static readonly string[] Labels = ["a", "b", "c"];
    private const int Window = 4, Stride = 2, FeatureSize = 512;

    // Unequal supports: 1, 2 and 4 clips, 10, 17 and 30 frames, 4, 6 and 10 windows of 4 frames every 2.
    private static readonly (string Truth, int Frames)[] Clips = [("a", 10), ("b", 8), ("b", 9), ("c", 6), ("c", 7), ("c", 12), ("c", 5)];

    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("ccccccc", "equals")]   // always the majority class: exactly the baseline
    [InlineData("aaaaaaa", "is below")] // always the rarest class
    [InlineData("abcccac", null)]       // 5 of 7 clips right: above the baseline everywhere
    public void Balanced_accuracy_and_majority_baseline_match_counts_of_the_chosen_predictions(string predictions, string? relation)
    {
        var package = ModelPackage.Write(_directory.Combine("model"), Manifest(), PointingHead());
        var features = Clips.Select((clip, i) => Features(clip.Truth, clip.Frames, predictions[i].ToString(), i)).ToArray();

        var result = Evaluator.Evaluate(package, features, SamplingMode.Window, "hand-made");

        // Expected values counted here from (truth, prediction, weight) triples, not through a confusion matrix.
        var clips = Clips.Select((c, i) => (c.Truth, Predicted: predictions[i].ToString(), Weight: 1)).ToArray();
        var windows = Clips.Select((c, i) => (c.Truth, Predicted: predictions[i].ToString(), Weight: c.Frames < Window ? 0 : (c.Frames - Window) / Stride + 1)).ToArray();
        var frames = Clips.Select((c, i) => (c.Truth, Predicted: predictions[i].ToString(), Weight: c.Frames)).ToArray();
        Assert.Equal((7, 20, 57), (result.Clips, result.Windows, result.Frames));
        AssertClose(Expected(clips), (result.ClipAccuracy, result.ClipBalancedAccuracy, result.ClipMajorityBaseline));
        AssertClose(Expected(windows), (result.WindowAccuracy, result.WindowBalancedAccuracy, result.WindowMajorityBaseline));
        AssertClose(Expected(frames), (result.FrameAccuracy, result.FrameBalancedAccuracy, result.FrameMajorityBaseline));
        if (predictions.Distinct().Count() == 1)
            Assert.All(new[] { result.ClipBalancedAccuracy, result.WindowBalancedAccuracy, result.FrameBalancedAccuracy }, b => Assert.Equal(1.0 / 3, b, 12));

        var markdown = ReportWriter.Markdown(result, history: null, facts: null);
        Assert.Contains("| measure | accuracy | balanced accuracy | majority baseline |", markdown);
        Assert.Contains($"| clip | {P1(Expected(clips).Accuracy)} (7 clips) | {P1(Expected(clips).Balanced)} | {P1(Expected(clips).Baseline)} (always c) |", markdown);
        Assert.Contains($"| {P1(Expected(windows).Balanced)} | {P1(Expected(windows).Baseline)} (always c) |", markdown);
        Assert.Contains($"| {P1(Expected(frames).Balanced)} | {P1(Expected(frames).Baseline)} (always c) |", markdown);
        var warnings = new[] { "clip", "window", "per-frame" }
            .Select(measure => $"**Warning:** {measure} accuracy {relation} the majority baseline: the model has not learned to tell the classes apart.");
        if (relation is null)
            Assert.DoesNotContain("has not learned", markdown);
        else
            Assert.All(warnings, warning => Assert.Contains(warning, markdown));

        var summary = ReportWriter.Summary(result);
        Assert.Contains($"clip accuracy {Expected(clips).Accuracy:P1} (7 clips; balanced {Expected(clips).Balanced:P1}, majority baseline {Expected(clips).Baseline:P1})", summary);

        ReportWriter.Write(_directory.Combine("report"), result);
        using var json = JsonDocument.Parse(File.ReadAllText(_directory.Combine("report", "evaluation.json")));
        Assert.Equal(Expected(clips).Baseline, json.RootElement.GetProperty("clipMajorityBaseline").GetDouble(), 12);
        Assert.Equal(Expected(frames).Balanced, json.RootElement.GetProperty("frameBalancedAccuracy").GetDouble(), 12);
    }

    [Fact]
    public void Balanced_accuracy_leaves_out_a_class_with_no_samples_and_the_baseline_takes_the_largest_row()
    {
        // rows: true a (3), b (none), c (5); columns: predicted
        int[][] confusion = [[2, 1, 0], [0, 0, 0], [1, 0, 4]];

        Assert.Equal((2.0 / 3 + 4.0 / 5) / 2, Evaluator.BalancedAccuracy(confusion), 12);
        Assert.Equal(5.0 / 8, Evaluator.MajorityBaseline(confusion), 12);
        Assert.Equal(2, Evaluator.MajorityClass(confusion));
        Assert.Equal(6.0 / 8, Evaluator.Accuracy(confusion), 12);
    }

    [Fact]
    public void Report_names_the_accuracy_the_curves_plot_and_the_kept_epoch()
    {
        var package = ModelPackage.Write(_directory.Combine("model"), Manifest(), PointingHead());
        var features = Clips.Select((clip, i) => Features(clip.Truth, clip.Frames, clip.Truth, i)).ToArray();
        var result = Evaluator.Evaluate(package, features, SamplingMode.Window, "hand-made");
        EpochRecord[] history = [new(1, 1.0, 0.4, 1.1, 0.3), new(2, 0.8, 0.6, 0.9, 0.7), new(3, 0.6, 0.7, 1.0, 0.6)];

        var files = ReportWriter.Write(_directory.Combine("report"), result, history, keptEpoch: 2);

        var markdown = File.ReadAllText(_directory.Combine("report", "evaluation.md"));
        Assert.Contains("Trained 3 epochs, kept epoch 2 (best validation window accuracy); curves in `curves.png`.", markdown);
        Assert.DoesNotContain("has not learned", markdown); // every clip right
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(_directory.Path, "report", "curves.png"))[..4]);
        Assert.Contains(Path.Combine(_directory.Path, "report", "curves.png"), files);
    }

    private static void AssertClose((double Accuracy, double Balanced, double Baseline) expected, (double Accuracy, double Balanced, double Baseline) actual)
    {
        Assert.Equal(expected.Accuracy, actual.Accuracy, 12);
        Assert.Equal(expected.Balanced, actual.Balanced, 12);
        Assert.Equal(expected.Baseline, actual.Baseline, 12);
    }

    /// <summary>Accuracy, mean recall over the true labels present, and the share of the largest true label.</summary>
    private static (double Accuracy, double Balanced, double Baseline) Expected(IReadOnlyList<(string Truth, string Predicted, int Weight)> outcomes)
    {
        double total = outcomes.Sum(o => o.Weight);
        var correct = outcomes.Where(o => o.Truth == o.Predicted).Sum(o => o.Weight);
        var byTruth = outcomes.GroupBy(o => o.Truth)
            .Select(g => (Support: g.Sum(o => o.Weight), Correct: g.Where(o => o.Truth == o.Predicted).Sum(o => o.Weight)))
            .Where(g => g.Support > 0).ToArray();
        return (correct / total, byTruth.Average(g => (double)g.Correct / g.Support), byTruth.Max(g => g.Support) / total);
    }

    private static string P1(double value) => value.ToString("P1", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every frame of the clip is the one-hot vector of <paramref name="pointsAt"/>, which the head then predicts.</summary>
    private static ClipFeatures Features(string truth, int frames, string pointsAt, int index)
    {
        var values = new float[frames * FeatureSize];
        var hot = Array.IndexOf(Labels, pointsAt);
        for (var t = 0; t < frames; t++)
            values[t * FeatureSize + hot] = 1;
        return new ClipFeatures(new LabelledClip(truth, Array.IndexOf(Labels, truth), $"/data/{truth}/clip{index}"), false, frames, FeatureSize, values);
    }

    /// <summary>
    /// A GRU whose update gate is shut (z ≈ 0, so h = n) and whose candidate h_j = tanh(3 x_j) copies feature j
    /// for j &lt; 3; the classifier scores class j with 10 h_j. Weights in PyTorch's layout, gates r, z, n.
    /// </summary>
    private static HeadWeights PointingHead()
    {
        const int h = 3;
        var input = new float[3 * h * FeatureSize];
        var inputBias = new float[3 * h];
        for (var j = 0; j < h; j++)
        {
            input[(2 * h + j) * FeatureSize + j] = 3;
            inputBias[h + j] = -30;
        }
        var classifier = new float[Labels.Length * h];
        for (var c = 0; c < Labels.Length; c++)
            classifier[c * h + c] = 10;
        return new HeadWeights(FeatureSize, h, [new GruLayerWeights(input, new float[3 * h * h], inputBias, new float[3 * h])], classifier, new float[Labels.Length]);
    }

    private static ModelManifest Manifest() => new()
    {
        Name = "pointing", Labels = Labels, Window = Window, Stride = Stride,
        Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = FeatureSize },
        Head = new HeadSpec { File = "head.onnx", HiddenSize = 3, Layers = 1 },
    };
}
