using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Models;

public sealed class HeadModelWriterTests
{
    private const int Steps = 12;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Head_run_frame_by_frame_equals_whole_sequence_and_the_reference_GRU(int layers)
    {
        using var folder = new TempDirectory();
        const int hidden = 24;
        var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, hidden, layers, TestModels.Labels.Length, seed: 11);
        var package = ModelPackage.Write(folder.Path, TestModels.Manifest(hidden: hidden, layers: layers), weights);
        var features = RandomFeatures(Steps, seed: 3);

        using var head = new GruHead(package, window: Steps);
        var whole = head.RunSequence(features, Steps, new float[layers * hidden]);

        var state = new float[head.StateSize];
        var stepwise = new float[Steps][];
        for (var t = 0; t < Steps; t++)
        {
            stepwise[t] = new float[head.ClassCount];
            head.Step(features.AsSpan(t * head.FeatureSize, head.FeatureSize), state, stepwise[t]);
        }

        var reference = ReferenceGru.Run(weights, features, Steps, new double[layers * hidden]);

        var maxStepVsWhole = 0f;
        var maxWholeVsReference = 0f;
        for (var t = 0; t < Steps; t++)
            for (var c = 0; c < head.ClassCount; c++)
            {
                maxStepVsWhole = Math.Max(maxStepVsWhole, Math.Abs(stepwise[t][c] - whole[t * head.ClassCount + c]));
                maxWholeVsReference = Math.Max(maxWholeVsReference, Math.Abs(whole[t * head.ClassCount + c] - reference[t][c]));
            }
        Assert.True(maxStepVsWhole <= 1e-4f, $"step-by-step vs whole sequence: max abs difference {maxStepVsWhole}");
        Assert.True(maxWholeVsReference <= 1e-4f, $"ONNX head vs reference GRU: max abs difference {maxWholeVsReference}");
        // The comparison means something only if the outputs move over time.
        var spread = Enumerable.Range(0, Steps).Select(t => reference[t][0]).ToArray();
        Assert.True(spread.Max() - spread.Min() > 1e-3f, "the reference outputs barely change over time; the test would not see a wrong gate order");
    }

    [Fact]
    public void Window_run_equals_the_reference_GRU_from_a_zero_state()
    {
        using var folder = new TempDirectory();
        var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, 16, 1, TestModels.Labels.Length, seed: 5);
        var package = ModelPackage.Write(folder.Path, TestModels.Manifest(hidden: 16, window: 6), weights);
        var features = RandomFeatures(6, seed: 9);
        using var head = new GruHead(package, window: 6);

        var probabilities = new float[head.ClassCount];
        head.RunWindow(features, probabilities);

        var reference = ReferenceGru.Run(weights, features, 6, new double[16])[^1];
        for (var c = 0; c < head.ClassCount; c++)
            Assert.InRange(Math.Abs(probabilities[c] - reference[c]), 0, 1e-4);
    }

    [Fact]
    public void A_flatten_head_with_a_dense_layer_equals_the_reference_and_loads_as_a_flatten_package()
    {
        using var folder = new TempDirectory();
        const int hidden = 12, denseSize = 24, steps = 6;
        var featureSize = CnnFeatureNames.SizeOf(CnnFeatures.Flatten);
        var random = new Random(4);
        // Glorot-like scale, so the dense layer's outputs stay in the GRU's working range and some are cut by the ReLU.
        var bound = (float)Math.Sqrt(6.0 / (featureSize + denseSize));
        var dense = new DenseLayerWeights(
            Enumerable.Range(0, denseSize * featureSize).Select(_ => (float)(random.NextDouble() * 2 - 1) * bound).ToArray(),
            Enumerable.Range(0, denseSize).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        var gru = HeadWeights.Random(denseSize, hidden, 1, TestModels.Labels.Length, seed: 8);
        var weights = gru with { FeatureSize = featureSize, Dense = dense };
        var manifest = TestModels.Manifest(hidden: hidden, window: steps) with
        {
            Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = featureSize, Features = CnnFeatureNames.Flatten },
        };
        var package = ModelPackage.Write(folder.Path, manifest, weights);
        var features = Enumerable.Range(0, steps * featureSize).Select(_ => (float)(random.NextDouble() * random.NextDouble() * 3)).ToArray();

        using var head = new GruHead(ModelPackage.Load(package.Directory), window: steps);
        Assert.Equal(featureSize, head.FeatureSize);
        var whole = head.RunSequence(features, steps, new float[hidden]);
        var reference = ReferenceGru.Run(weights, features, steps, new double[hidden]);

        var worst = 0f;
        for (var t = 0; t < steps; t++)
            for (var c = 0; c < head.ClassCount; c++)
                worst = Math.Max(worst, Math.Abs(whole[t * head.ClassCount + c] - reference[t][c]));
        Assert.True(worst <= 1e-4f, $"ONNX head with a dense layer vs reference: max abs difference {worst}");
        var spread = Enumerable.Range(0, steps).Select(t => reference[t][0]).ToArray();
        Assert.True(spread.Max() - spread.Min() > 1e-3f, "the reference outputs barely change over time");
        // Without the dense layer the same GRU would read 25088 inputs it has no weights for: the writer refuses that.
        Assert.Throws<ModelPackageException>(() => ModelPackage.Write(folder.File("nodense"), manifest, weights with { Dense = null }));
    }

    [Fact]
    public void Weights_of_the_wrong_shape_are_refused_before_anything_is_written()
    {
        using var folder = new TempDirectory();
        var good = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, 8, 1, 3, seed: 1);
        var bad = good with { ClassifierWeight = new float[5] };

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Write(folder.Path, TestModels.Manifest(hidden: 8), bad));

        Assert.Contains("expected classifier weights of 3x8", error.Message);
        Assert.Contains("found 5 values", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    internal static float[] RandomFeatures(int steps, int seed)
    {
        // ResNet features are non-negative (after ReLU and pooling), about 0-3.
        var random = new Random(seed);
        var features = new float[steps * ResNet18FeatureModel.FeatureSize];
        for (var i = 0; i < features.Length; i++)
            features[i] = (float)(random.NextDouble() * random.NextDouble() * 3);
        return features;
    }
}
