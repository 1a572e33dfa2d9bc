using StreamLrcn.Training.Features;
using static TorchSharp.torch;

namespace StreamLrcn.Training.Training;

/// <summary>
/// A classifier with no notion of time, to compare the GRU against: the mean of a clip's frame
/// features (standardised), then a linear layer trained with Adam on cross-entropy. Clips that
/// differ only in the order of their frames have identical means, so it cannot tell them apart.
/// </summary>
public static class FrameAveragingBaseline
{
    /// <summary>Trains on <paramref name="train"/> and returns the clip accuracy on <paramref name="test"/> (mirrored clips excluded).</summary>
    public static double TrainAndScore(IReadOnlyList<ClipFeatures> train, IReadOnlyList<ClipFeatures> test, int classCount, int seed, int epochs = 300)
    {
        var featureSize = train[0].FeatureSize;
        var testClips = test.Where(c => !c.Flipped).ToArray();
        if (testClips.Length == 0)
            return 0;
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var trainX = tensor(Means(train), [train.Count, featureSize]);
        var trainY = tensor(train.Select(c => (long)c.Clip.LabelIndex).ToArray(), [train.Count]);
        var mean = trainX.mean([0], keepdim: true);
        var deviation = trainX.std(0, keepdim: true) + 1e-6;
        var x = (trainX - mean) / deviation;
        var layer = nn.Linear(featureSize, classCount);
        var optimizer = optim.Adam(layer.parameters(), 0.01);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(layer.forward(x), trainY);
            loss.backward();
            optimizer.step();
        }
        using (no_grad())
        {
            var testX = (tensor(Means(testClips), [testClips.Length, featureSize]) - mean) / deviation;
            var predicted = layer.forward(testX).argmax(1).data<long>().ToArray();
            return (double)predicted.Where((p, i) => p == testClips[i].Clip.LabelIndex).Count() / testClips.Length;
        }
    }

    private static float[] Means(IReadOnlyList<ClipFeatures> clips)
    {
        var featureSize = clips[0].FeatureSize;
        var result = new float[clips.Count * featureSize];
        for (var i = 0; i < clips.Count; i++)
        {
            var row = result.AsSpan(i * featureSize, featureSize);
            for (var t = 0; t < clips[i].Frames; t++)
            {
                var frame = clips[i].Frame(t);
                for (var f = 0; f < featureSize; f++)
                    row[f] += frame[f];
            }
            for (var f = 0; f < featureSize; f++)
                row[f] /= clips[i].Frames;
        }
        return result;
    }
}
