using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Evaluation;

/// <summary>Scores a model package on clip features through the runtime's <see cref="GruHead"/> (ONNX Runtime), not through TorchSharp.</summary>
public static class Evaluator
{
    public static EvaluationResult Evaluate(ModelPackage package, IReadOnlyList<ClipFeatures> clips, SamplingMode sampling, string dataDescription)
    {
        var manifest = package.Manifest;
        var labels = manifest.Labels;
        var classes = labels.Count;
        var window = manifest.Window;
        var stride = manifest.Stride;
        using var head = new GruHead(package, window);
        var clipConfusion = Square(classes);
        var windowConfusion = Square(classes);
        var outcomes = new List<ClipOutcome>();
        long framesCorrect = 0, frames = 0;
        var windowProbabilities = new float[classes];

        foreach (var clip in clips.Where(c => !c.Flipped))
        {
            var truth = clip.Clip.LabelIndex;
            var windowsCorrect = 0;
            var windowCount = 0;
            var windowSum = new double[classes];
            foreach (var start in FrameSampler.SlidingWindowStarts(clip.Frames, window, stride))
            {
                head.RunWindow(clip.Values.AsSpan(start * clip.FeatureSize, window * clip.FeatureSize), windowProbabilities);
                var predicted = ArgMax(windowProbabilities);
                windowConfusion[truth][predicted]++;
                windowsCorrect += predicted == truth ? 1 : 0;
                windowCount++;
                for (var c = 0; c < classes; c++)
                    windowSum[c] += windowProbabilities[c];
            }

            double[] clipProbabilities;
            if (sampling == SamplingMode.Window && windowCount > 0)
            {
                clipProbabilities = windowSum.Select(p => p / windowCount).ToArray();
            }
            else
            {
                var indices = FrameSampler.Sample(sampling, clip.Frames, window, jitter: null);
                var probabilities = head.RunSequence(clip.Gather(indices), indices.Length, new float[head.StateSize]);
                clipProbabilities = probabilities.AsSpan((indices.Length - 1) * classes, classes).ToArray().Select(p => (double)p).ToArray();
            }
            var clipPredicted = ArgMax(clipProbabilities);
            clipConfusion[truth][clipPredicted]++;

            var perFrame = head.RunSequence(clip.Values, clip.Frames, new float[head.StateSize]);
            var clipFramesCorrect = 0;
            for (var t = 0; t < clip.Frames; t++)
                clipFramesCorrect += ArgMax(perFrame.AsSpan(t * classes, classes)) == truth ? 1 : 0;
            framesCorrect += clipFramesCorrect;
            frames += clip.Frames;

            outcomes.Add(new ClipOutcome(clip.Clip.Id, labels[truth], labels[clipPredicted],
                clipProbabilities.Select(p => Math.Round(p, 4)).ToArray(), windowCount, windowsCorrect, clip.Frames, clipFramesCorrect));
        }

        var windows = windowConfusion.Sum(r => r.Sum());
        return new EvaluationResult
        {
            Model = package.Directory,
            Data = dataDescription,
            Sampling = sampling.ToString().ToLowerInvariant(),
            Window = window,
            Stride = stride,
            Labels = labels,
            Clips = outcomes.Count,
            ClipAccuracy = Accuracy(clipConfusion),
            WindowAccuracy = Accuracy(windowConfusion),
            Windows = windows,
            FrameAccuracy = frames == 0 ? 0 : (double)framesCorrect / frames,
            ClipConfusion = clipConfusion,
            WindowConfusion = windowConfusion,
            ClipMetrics = Metrics(clipConfusion, labels),
            WindowMetrics = Metrics(windowConfusion, labels),
            PerClip = outcomes,
        };
    }

    public static IReadOnlyList<ClassMetrics> Metrics(int[][] confusion, IReadOnlyList<string> labels) =>
        labels.Select((label, c) =>
        {
            var support = confusion[c].Sum();
            var predicted = confusion.Sum(row => row[c]);
            return new ClassMetrics(label, support,
                predicted == 0 ? 0 : Math.Round((double)confusion[c][c] / predicted, 4),
                support == 0 ? 0 : Math.Round((double)confusion[c][c] / support, 4));
        }).ToArray();

    private static double Accuracy(int[][] confusion)
    {
        var total = confusion.Sum(r => r.Sum());
        return total == 0 ? 0 : (double)confusion.Select((row, i) => row[i]).Sum() / total;
    }

    private static int[][] Square(int n) => Enumerable.Range(0, n).Select(_ => new int[n]).ToArray();

    private static int ArgMax(double[] values) => Array.IndexOf(values, values.Max());

    private static int ArgMax(ReadOnlySpan<float> values) => StreamLrcn.Temporal.Probabilities.ArgMax(values);
}
