using System.Security.Cryptography;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Export;
using StreamLrcn.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamLrcn.Training.Tests.Export;

public sealed class HeadExporterTests : IDisposable
{
    private const int Features = ResNet18FeatureModel.FeatureSize;
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void An_exported_head_computes_what_the_module_computes_and_the_runtime_loads_it()
    {
        using var model = NewModel(seed: 1, hidden: 24, layers: 2);
        var real = RealisticSequence(steps: 40, seed: 2);

        var (package, parity) = HeadExporter.Export(model, Manifest(model), _directory.Combine("model"), [real]);

        Assert.True(parity.MaxDifference <= 1e-5, $"max abs difference {parity.MaxDifference}");
        var loaded = ModelPackage.Load(package.Directory);
        Assert.True(loaded.Manifest.Trained);
        Assert.Equal((24, 2), (loaded.Manifest.Head.HiddenSize, loaded.Manifest.Head.Layers));

        // The runtime's own head (GruHead) against TorchSharp's softmax, from a zero state.
        using var head = new GruHead(loaded, window: 8);
        var runtime = head.RunSequence(real, 40, new float[head.StateSize]);
        float[] expected;
        using (no_grad())
        {
            var (logits, _) = model.forward(tensor(real, [40, 1, Features]), model.ZeroState(1));
            expected = nn.functional.softmax(logits, 2).data<float>().ToArray();
        }
        Assert.Equal(expected.Length, runtime.Length);
        Assert.True(expected.Zip(runtime, (a, b) => Math.Abs(a - b)).Max() <= 1e-5);
    }

    [Fact]
    public void A_head_that_does_not_match_the_trained_module_is_refused_and_the_previous_package_is_kept()
    {
        using var trained = NewModel(seed: 1, hidden: 16, layers: 1);
        using var other = NewModel(seed: 2, hidden: 16, layers: 1);
        var target = _directory.Combine("model");
        ModelPackage.Write(target, Manifest(other) with { Name = "previous" }, other.ToHeadWeights());
        var before = Hashes(target);

        var error = Assert.Throws<ExportParityException>(() =>
            HeadExporter.Export(trained, other.ToHeadWeights(), Manifest(trained), target, [RealisticSequence(20, 3)]));

        Assert.Contains("expected at most 1E-005", error.Message);
        Assert.Equal(before, Hashes(target));
        Assert.Equal("previous", ModelPackage.Load(target).Manifest.Name);
        Assert.Equal([target], Directory.GetDirectories(_directory.Path));
    }

    [Fact]
    public void A_refused_export_into_a_new_folder_leaves_no_package()
    {
        using var trained = NewModel(seed: 3, hidden: 8, layers: 1);
        var weights = trained.ToHeadWeights();
        // One recurrent weight off by 0.01: a small slip between module and file must still be caught.
        weights.Layers[0].RecurrentWeights[5] += 0.01f;
        var target = _directory.Combine("new-model");

        Assert.Throws<ExportParityException>(() => HeadExporter.Export(trained, weights, Manifest(trained), target, [RealisticSequence(30, 4)]));

        Assert.False(File.Exists(Path.Combine(target, ModelPackage.ManifestFileName)));
        Assert.False(File.Exists(Path.Combine(target, "head.onnx")));
        Assert.Empty(Directory.GetDirectories(_directory.Path));
    }

    [Fact]
    public void A_head_file_changed_after_export_fails_the_parity_measure()
    {
        using var trained = NewModel(seed: 4, hidden: 8, layers: 1);
        var (package, _) = HeadExporter.Export(trained, Manifest(trained), _directory.Combine("model"), []);
        var tampered = trained.ToHeadWeights();
        tampered.ClassifierBias[1] += 0.001f;
        HeadModelWriter.Write(tampered, package.HeadPath);

        var parity = ParityCheck.Measure(trained, ModelPackage.Load(package.Directory), []);

        Assert.True(parity.MaxLogitDifference > 1e-4, $"tampering went unnoticed: {parity}");
    }

    private static GruClassifier NewModel(int seed, int hidden, int layers)
    {
        torch.manual_seed(seed);
        var model = new GruClassifier(Features, hidden, layers, 3, dropout: 0.5);
        model.eval();
        return model;
    }

    private static ModelManifest Manifest(GruClassifier model) => new()
    {
        Name = "test",
        Trained = true,
        Labels = ["a", "b", "c"],
        Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = Features },
        Head = new HeadSpec { File = "head.onnx", HiddenSize = model.HiddenSize, Layers = model.Layers },
        Window = 8,
        Stride = 2,
    };

    // Non-negative and sparse-ish like pooled ResNet features.
    private static float[] RealisticSequence(int steps, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, steps * Features).Select(_ => random.NextDouble() < 0.4 ? 0f : (float)(random.NextDouble() * 2.5)).ToArray();
    }

    private static Dictionary<string, string> Hashes(string folder) =>
        Directory.GetFiles(folder).ToDictionary(Path.GetFileName, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))!;
}
