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
        var manifest = new ModelManifest
        {
            Name = "none", Trained = true, Labels = labels,
            Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize },
            Head = new HeadSpec { File = "head.onnx", HiddenSize = 8, Layers = 1 },
            Window = 4, Stride = 2,
        };
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
}
