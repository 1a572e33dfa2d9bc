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
        var frameConfusion = Square(classes);
        var outcomes = new List<ClipOutcome>();
        var windowProbabilities = new float[classes];
        int noneFrames = 0, noneWindows = 0;
        // "none" as the runtime labels it: below the thresholds, or the background class winning.
        var rule = head.Thresholds;
        var hasNone = rule is not null || labels[^1] == LabelThresholds.NoneName;
        bool IsNone(ReadOnlySpan<float> p) => LabelThresholds.IsNone(labels, rule?.Decide(p) ?? ArgMax(p));

        foreach (var clip in clips.Where(c => !c.Flipped))
        {
            var truth = clip.Clip.LabelIndex;
            var windowsCorrect = 0;
            var windowCount = 0;
            var clipNoneWindows = 0;
            var windowSum = new double[classes];
            foreach (var start in FrameSampler.SlidingWindowStarts(clip.Frames, window, stride))
            {
                head.RunWindow(clip.Values.AsSpan(start * clip.FeatureSize, window * clip.FeatureSize), windowProbabilities);
                var predicted = ArgMax(windowProbabilities);
                windowConfusion[truth][predicted]++;
                clipNoneWindows += hasNone && IsNone(windowProbabilities) ? 1 : 0;
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
            var clipNoneFrames = 0;
            for (var t = 0; t < clip.Frames; t++)
            {
                var predicted = ArgMax(perFrame.AsSpan(t * classes, classes));
                frameConfusion[truth][predicted]++;
                clipNoneFrames += hasNone && IsNone(perFrame.AsSpan(t * classes, classes)) ? 1 : 0;
                clipFramesCorrect += predicted == truth ? 1 : 0;
            }

            noneWindows += clipNoneWindows;
            noneFrames += clipNoneFrames;
            outcomes.Add(new ClipOutcome(clip.Clip.Id, labels[truth], labels[clipPredicted],
                clipProbabilities.Select(p => Math.Round(p, 4)).ToArray(), windowCount, windowsCorrect, clip.Frames, clipFramesCorrect)
            {
                NoneWindows = hasNone ? clipNoneWindows : null,
                NoneFrames = hasNone ? clipNoneFrames : null,
            });
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
            ClipBalancedAccuracy = BalancedAccuracy(clipConfusion),
            ClipMajorityBaseline = MajorityBaseline(clipConfusion),
            WindowAccuracy = Accuracy(windowConfusion),
            WindowBalancedAccuracy = BalancedAccuracy(windowConfusion),
            WindowMajorityBaseline = MajorityBaseline(windowConfusion),
            Windows = windows,
            FrameAccuracy = Accuracy(frameConfusion),
            FrameBalancedAccuracy = BalancedAccuracy(frameConfusion),
            FrameMajorityBaseline = MajorityBaseline(frameConfusion),
            Frames = frameConfusion.Sum(r => r.Sum()),
            ClipConfusion = clipConfusion,
            WindowConfusion = windowConfusion,
            FrameConfusion = frameConfusion,
            ClipMetrics = Metrics(clipConfusion, labels),
            WindowMetrics = Metrics(windowConfusion, labels),
            FrameMetrics = Metrics(frameConfusion, labels),
            PerClip = outcomes,
            NoneFrames = hasNone ? noneFrames : null,
            NoneWindows = hasNone ? noneWindows : null,
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

    /// <summary>Share of the confusion matrix on its diagonal; 0 when it is empty.</summary>
    public static double Accuracy(int[][] confusion)
    {
        var total = confusion.Sum(r => r.Sum());
        return total == 0 ? 0 : (double)confusion.Select((row, i) => row[i]).Sum() / total;
    }

    /// <summary>
    /// Mean recall over the classes that occur among the true labels (a class with no sample has no
    /// recall and is left out, as scikit-learn's <c>balanced_accuracy_score</c> does); 0 when the matrix is empty.
    /// A constant guess scores 1 / (classes present), whatever the supports.
    /// </summary>
    public static double BalancedAccuracy(int[][] confusion)
    {
        var recalls = confusion.Select((row, i) => (Support: row.Sum(), Correct: row[i])).Where(r => r.Support > 0)
            .Select(r => (double)r.Correct / r.Support).ToArray();
        return recalls.Length == 0 ? 0 : recalls.Average();
    }

    /// <summary>Accuracy of always predicting the most frequent true label (<see cref="MajorityClass"/>); 0 when the matrix is empty.</summary>
    public static double MajorityBaseline(int[][] confusion)
    {
        var total = confusion.Sum(r => r.Sum());
        return total == 0 ? 0 : (double)confusion[MajorityClass(confusion)].Sum() / total;
    }

    /// <summary>The class with the most true samples (rows of the confusion matrix); the first in label order on a tie.</summary>
    public static int MajorityClass(int[][] confusion)
    {
        var supports = confusion.Select(r => r.Sum()).ToArray();
        return Array.IndexOf(supports, supports.Max());
    }

    private static int[][] Square(int n) => Enumerable.Range(0, n).Select(_ => new int[n]).ToArray();

    private static int ArgMax(double[] values) => Array.IndexOf(values, values.Max());

    private static int ArgMax(ReadOnlySpan<float> values) => StreamLrcn.Temporal.Probabilities.ArgMax(values);
}
