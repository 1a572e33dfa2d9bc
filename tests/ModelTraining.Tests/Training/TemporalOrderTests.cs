using StreamLrcn.Capture;
using Xunit.Abstractions;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Evaluation;
using StreamLrcn.Training.Export;
using StreamLrcn.Training.Features;
using StreamLrcn.Training.Training;

namespace StreamLrcn.Training.Tests.Training;

public sealed class TemporalOrderTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_gru_head_tells_clips_apart_by_frame_order_alone_where_frame_averaging_cannot()
    {
        // Two classes made of the very same frames: a disc growing and moving right ("forward"), and
        // the same frames played backward. Each pair gets its own colours, path and length (8-12
        // frames, so variable-length batches are bucketed and masked). 12 pairs train, 6 are held out.
        var root = _directory.Combine("data");
        var random = new Random(21);
        for (var pair = 0; pair < 18; pair++)
        {
            var name = pair < 12 ? $"train_{pair:D2}" : $"test_{pair:D2}";
            var frames = SyntheticClips.GrowingDisc(random.Next(8, 13), seed: 1000 + pair);
            SyntheticClips.WriteFolder(Path.Combine(root, "forward", name), frames);
            SyntheticClips.WriteFolder(Path.Combine(root, "backward", name), frames.Reverse().ToArray());
            SyntheticClips.DisposeAll(frames);
        }
        var dataset = ClipDataset.Scan(root, ["forward", "backward"]);
        var split = SplitSelector.ByPattern(dataset, new ClipPattern("train_*"), new ClipPattern("test_*"));
        var store = new FeatureStore(new FeatureCache(_directory.Combine("cache"), ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24)), DeviceRequest.Cpu);
        // Mirroring would turn a rightward clip into a leftward one: not a label-preserving augmentation here.
        var train = store.Load(split.Train, withFlips: false, out _);
        var test = store.Load(split.Validation, withFlips: false, out _);

        var options = new TrainingOptions
        {
            Sampling = SamplingMode.Whole,
            Length = 8,
            Stride = 2,
            HiddenSize = 32,
            Dropout = 0.2,
            Optimizer = OptimizerKind.Adam,
            LearningRate = 0.005,
            BatchSize = 8,
            Epochs = 60,
            Flip = false,
            Seed = 3,
        };
        // No validation set: the held-out clips must not choose the checkpoint they are scored on.
        var result = new Trainer(options, classCount: 2).Train(train, validation: []);
        using var model = result.Model;
        var manifest = new ModelManifest
        {
            Name = "temporal-order",
            Trained = true,
            Labels = dataset.Labels,
            Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize },
            Head = new HeadSpec { File = "head.onnx", HiddenSize = options.HiddenSize, Layers = options.Layers },
            Window = options.Length,
            Stride = options.Stride,
        };
        var (package, _) = HeadExporter.Export(model, manifest, _directory.Combine("model"), test.Take(2).Select(c => c.Values).ToArray());

        var gru = Evaluator.Evaluate(package, test, SamplingMode.Whole, "held-out pairs");
        var baseline = FrameAveragingBaseline.TrainAndScore(train, test, classCount: 2, seed: 3);

        output.WriteLine($"held-out clips: GRU {gru.ClipAccuracy:P1}, frame-averaging baseline {baseline:P1}; trained {result.History.Count} epochs in {result.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(12, gru.Clips);
        Assert.True(gru.ClipAccuracy >= 0.95, $"GRU held-out clip accuracy {gru.ClipAccuracy:P1}, expected at least 95 %");
        Assert.InRange(baseline, 0.3, 0.67);
    }
}
