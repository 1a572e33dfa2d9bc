using StreamLrcn.Inference;
using StreamLrcn.Models;

namespace StreamLrcn.Tests.Support;

/// <summary>Model packages with known weights, written through the runtime's own writer.</summary>
public static class TestModels
{
    public static readonly string[] Labels = ["left", "right", "still"];

    public static ModelManifest Manifest(string name = "test", int hidden = 32, int layers = 1, int window = 8, int stride = 4, IReadOnlyList<string>? labels = null) => new()
    {
        Name = name,
        Labels = labels ?? Labels,
        Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize },
        Head = new HeadSpec { File = "head.onnx", HiddenSize = hidden, Layers = layers },
        Window = window,
        Stride = stride,
    };

    public static ModelPackage Write(string directory, int hidden = 32, int layers = 1, int window = 8, int stride = 4, int seed = 7)
    {
        var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, hidden, layers, Labels.Length, seed);
        return ModelPackage.Write(directory, Manifest(hidden: hidden, layers: layers, window: window, stride: stride), weights);
    }
}
