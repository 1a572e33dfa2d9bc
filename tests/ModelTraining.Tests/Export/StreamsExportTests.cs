using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Export;
using StreamLrcn.Training.Model;
using TorchSharp;

namespace StreamLrcn.Training.Tests.Export;

public sealed class StreamsExportTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_head_over_frame_and_difference_features_passes_the_parity_check_and_loads_with_its_streams()
    {
        torch.manual_seed(4);
        using var model = new GruClassifier(1024, 16, 1, 3, dropout: 0.5);
        model.eval();
        var manifest = new ModelManifest
        {
            Name = "motion",
            Trained = true,
            Labels = ["a", "b", "c"],
            Cnn = new CnnSpec
            {
                Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize,
                Streams = [CnnStreams.Rgb, CnnStreams.DifferenceStream], Difference = new DifferenceSpec { Step = 1, Scale = 2 },
            },
            Head = new HeadSpec { File = "head.onnx", HiddenSize = 16, Layers = 1 },
            Window = 8,
            Stride = 2,
        };
        var random = new Random(3);
        var sequence = Enumerable.Range(0, 30 * 1024).Select(_ => random.NextDouble() < 0.4 ? 0f : (float)(random.NextDouble() * 2.5)).ToArray();

        var (package, parity) = HeadExporter.Export(model, manifest, _directory.Combine("model"), [sequence]);

        Assert.True(parity.MaxDifference <= 1e-5, $"max abs difference {parity.MaxDifference}");
        var loaded = ModelPackage.Load(package.Directory);
        Assert.Equal(512, loaded.Manifest.Cnn.FeatureSize);
        Assert.Equal(CnnStreams.From(manifest.Cnn), CnnStreams.From(loaded.Manifest.Cnn));
        using var head = new GruHead(loaded, 8);
        Assert.Equal(1024, head.FeatureSize);
    }

    [Fact]
    public void A_flatten_head_with_a_dense_layer_passes_the_parity_check_and_loads_as_a_flatten_package()
    {
        // The seed recipe's Flatten + Dense: the dense layer is part of the exported head, so ONNX
        // Runtime must agree with TorchSharp through it (dropout off), on every parity input.
        torch.manual_seed(5);
        var featureSize = CnnFeatureNames.SizeOf(CnnFeatures.Flatten);
        using var model = new GruClassifier(featureSize, 16, 1, 3, dropout: 0.5, denseSize: 32);
        model.eval();
        var manifest = new ModelManifest
        {
            Name = "flatten",
            Trained = true,
            Labels = ["a", "b", "c"],
            Cnn = new CnnSpec
            {
                Model = ResNet18FeatureModel.Id, FeatureSize = featureSize, Features = CnnFeatureNames.Flatten,
                Streams = [CnnStreams.DifferenceStream], Difference = new DifferenceSpec { Step = 1, Scale = 2 },
            },
            Head = new HeadSpec { File = "head.onnx", HiddenSize = 16, Layers = 1 },
            Window = 8,
            Stride = 2,
        };
        var random = new Random(6);
        var sequence = Enumerable.Range(0, 20 * featureSize).Select(_ => random.NextDouble() < 0.6 ? 0f : (float)(random.NextDouble() * 2)).ToArray();

        var (package, parity) = HeadExporter.Export(model, manifest, _directory.Combine("model"), [sequence]);

        Assert.True(parity.MaxDifference <= 1e-5, $"max abs difference {parity.MaxDifference}");
        var weights = model.ToHeadWeights();
        Assert.Equal(32, weights.Dense!.Size);
        Assert.Equal(32 * featureSize, weights.Dense.Weight.Length);
        var loaded = ModelPackage.Load(package.Directory);
        Assert.Equal(CnnFeatures.Flatten, CnnFeatureNames.From(loaded.Manifest.Cnn));
        using var head = new GruHead(loaded, 8);
        Assert.Equal(featureSize, head.FeatureSize);
    }
}
