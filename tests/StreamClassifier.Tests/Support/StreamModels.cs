using StreamLrcn.Inference;
using StreamLrcn.Models;

namespace StreamLrcn.Tests.Support;

/// <summary>Packages whose head takes more than the frame (<c>cnn.streams</c>), with random weights, written through the runtime's writer.</summary>
public static class StreamModels
{
    public static ModelPackage Write(string directory, IReadOnlyList<string> streams, DifferenceSpec? difference = null, int hidden = 16, int window = 8, int stride = 4, int seed = 11)
    {
        var manifest = TestModels.Manifest(hidden: hidden, window: window, stride: stride) with
        {
            Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize, Streams = streams, Difference = difference },
        };
        var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize * streams.Count, hidden, 1, TestModels.Labels.Length, seed);
        return ModelPackage.Write(directory, manifest, weights);
    }
}
