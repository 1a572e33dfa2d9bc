using StreamLrcn.Inference;
using StreamLrcn.Models;

namespace StreamLrcn.Tests.Support;

/// <summary>Packages whose head takes more than the frame (<c>cnn.streams</c>), with random weights, written through the runtime's writer.</summary>
public static class StreamModels
{
    public static ModelPackage Write(string directory, IReadOnlyList<string> streams, DifferenceSpec? difference = null, int hidden = 16, int window = 8, int stride = 4, int seed = 11,
        CnnFeatures features = CnnFeatures.Pooled)
    {
        var size = CnnFeatureNames.SizeOf(features);
        var manifest = TestModels.Manifest(hidden: hidden, window: window, stride: stride) with
        {
            Cnn = new CnnSpec
            {
                Model = ResNet18FeatureModel.Id, FeatureSize = size, Streams = streams, Difference = difference,
                Features = features == CnnFeatures.Pooled ? null : CnnFeatureNames.Name(features),
            },
        };
        var weights = HeadWeights.Random(size * streams.Count, hidden, 1, TestModels.Labels.Length, seed);
        return ModelPackage.Write(directory, manifest, weights);
    }
}
