using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Evaluation;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Tests.Evaluation;

public sealed class NoneEvaluationTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Evaluate_counts_the_frames_no_label_reaches_the_threshold_of_as_the_runtime_steps_them()
    {
        string[] labels = ["a", "b", "c"];
        var manifest = Manifest(labels);
        var weights = HeadWeights.Random(512, 8, 1, 3, seed: 3);
        var random = new Random(5);
        var clips = Enumerable.Range(0, 3).Select(i => new ClipFeatures(new LabelledClip(labels[i], i, $"clip{i}"), false, 20, 512,
            Enumerable.Range(0, 20 * 512).Select(_ => (float)(random.NextDouble() * 2)).ToArray())).ToArray();

        // Each frame's probabilities, stepped here from a zero state as the runtime steps a stream.
        var probabilities = new List<float[]>();
        using (var plain = new GruHead(ModelPackage.Write(_directory.Combine("plain"), manifest, weights), 4))
        {
            foreach (var clip in clips)
            {
                var state = new float[plain.StateSize];
                for (var f = 0; f < clip.Frames; f++)
                {
                    var p = new float[3];
                    plain.Step(clip.Frame(f), state, p);
                    probabilities.Add(p);
                }
            }
        }
        // Thresholds around the median top probability, a little different per label; the rule written out.
        var median = probabilities.Select(p => p.Max()).Order().ElementAt(30);
        double[] t = [median, median + 0.01, median - 0.01];
        var expected = probabilities.Count(p => p[0] < t[0] && p[1] < t[1] && p[2] < t[2]);
        var package = ModelPackage.Write(_directory.Combine("model"), manifest with { Thresholds = labels.Select((l, i) => (l, t[i])).ToDictionary(x => x.l, x => x.Item2) }, weights);

        var result = Evaluator.Evaluate(package, clips, SamplingMode.Window, "synthetic");

        Assert.InRange(expected, 1, 59);
        Assert.Equal(expected, result.NoneFrames);
        Assert.NotNull(result.NoneWindows);
        Assert.Contains($"labelled none (below the thresholds or the background class): {expected} of 60 frames", ReportWriter.Summary(result));
    }

    [Fact]
    public void With_a_background_class_the_gestures_thresholds_come_from_their_own_frames_and_none_gets_zero()
    {
        string[] labels = ["a", "b", "none"];
        var package = ModelPackage.Write(_directory.Combine("background"), Manifest(labels), HeadWeights.Random(512, 8, 1, 3, seed: 4));
        var random = new Random(9);
        // Two clips of each gesture and two of the background class, 25 frames each.
        var clips = Enumerable.Range(0, 6).Select(i => new ClipFeatures(new LabelledClip(labels[i / 2], i / 2, $"clip{i}"), false, 25, 512,
            Enumerable.Range(0, 25 * 512).Select(_ => (float)(random.NextDouble() * 2)).ToArray())).ToArray();

        var result = ThresholdSelector.Choose(package, clips, recall: 0.8);

        // The rule written out: each clip stepped from a zero state; a gesture's threshold keeps 80 % of its own frames.
        var truthProbabilities = labels.Select(_ => new List<float>()).ToArray();
        var gestureFrames = new List<float[]>();
        using (var head = new GruHead(package, 4))
        {
            foreach (var clip in clips)
            {
                var state = new float[head.StateSize];
                for (var f = 0; f < clip.Frames; f++)
                {
                    var p = new float[3];
                    head.Step(clip.Frame(f), state, p);
                    truthProbabilities[clip.Clip.LabelIndex].Add(p[clip.Clip.LabelIndex]);
                    if (clip.Clip.LabelIndex < 2)
                        gestureFrames.Add(p);
                }
            }
        }
        double Kept(List<float> values) => Math.Floor(values.Order().ElementAt(10) * 10_000) / 10_000; // the 11th of 50: 40 of 50 at or above
        Assert.Equal(Kept(truthProbabilities[0]), result.Thresholds["a"]);
        Assert.Equal(Kept(truthProbabilities[1]), result.Thresholds["b"]);
        Assert.Equal(0, result.Thresholds["none"]);
        Assert.Equal(100, result.Frames);
        // None: no gesture reaches its threshold, or the background class is more probable than every gesture that does.
        var expectedNone = gestureFrames.Count(p =>
        {
            var passing = Enumerable.Range(0, 2).Where(c => p[c] >= result.Thresholds[labels[c]]).ToArray();
            return passing.Length == 0 || passing.All(c => p[c] < p[2]);
        });
        Assert.InRange(expectedNone, 1, 99);
        Assert.Equal(expectedNone, result.NoneFrames);
    }

    private static ModelManifest Manifest(string[] labels) => new()
    {
        Name = "none", Trained = true, Labels = labels,
        Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize },
        Head = new HeadSpec { File = "head.onnx", HiddenSize = 8, Layers = 1 },
        Window = 4, Stride = 2,
    };
}
