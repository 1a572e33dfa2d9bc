using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Evaluation;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Tests.Evaluation;

public sealed class BackgroundThresholdTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void With_a_background_class_the_gestures_thresholds_come_from_their_own_frames_and_none_gets_zero()
    {
        string[] labels = ["a", "b", "none"];
        var manifest = new ModelManifest
        {
            Name = "background", Trained = true, Labels = labels,
            Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize },
            Head = new HeadSpec { File = "head.onnx", HiddenSize = 8, Layers = 1 },
            Window = 4, Stride = 2,
        };
        var package = ModelPackage.Write(_directory.Combine("model"), manifest, HeadWeights.Random(512, 8, 1, 3, seed: 4));
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
}
