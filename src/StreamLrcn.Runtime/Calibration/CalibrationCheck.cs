using StreamLrcn.Inference;
using StreamLrcn.Temporal;

using StreamLrcn.Models;

namespace StreamLrcn.Calibration;

/// <summary>
/// Compares the int8 CNN of a calibration with the float32 one on whole clips, through the
/// package's head the way the pipeline labels a stream from its start: the per-frame label of a
/// GRU step with carried state, and a window label every <see cref="ModelManifest.Stride"/> frames
/// once <see cref="ModelManifest.Window"/> frames have been seen.
/// </summary>
public static class CalibrationCheck
{
    /// <summary>Window labels may change on at most this fraction of windows for int8 to be used.</summary>
    public const double DefaultMaxChangedWindowFraction = 0.01;

    public static CalibrationCheckResult Run(ModelPackage package, CnnCalibration calibration, IReadOnlyList<string> clips,
        double maxChangedWindowFraction = DefaultMaxChangedWindowFraction, int cpuThreads = 0, Action<string>? onClip = null)
    {
        // Both CNNs give the package's features (pooled, grid2 or flatten), as the pipeline's would.
        var features = CnnFeatureNames.From(package.Manifest.Cnn);
        using var full = new ClipFeaturizer(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Float32, cpuThreads, InFlightBatches: 1, Features: features));
        using var quantized = new ClipFeaturizer(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Int8, cpuThreads, InFlightBatches: 1, Calibration: calibration, Features: features));
        using var head = new GruHead(package, package.Manifest.Window);
        var streams = CnnStreams.From(package.Manifest.Cnn);
        int frames = 0, changedFrames = 0, windows = 0, changedWindows = 0;
        double minCosine = 1, cosineSum = 0;
        foreach (var clip in clips)
        {
            var a = full.Featurize(clip, flip: false, streams, out var count);
            var b = quantized.Featurize(clip, flip: false, streams, out _);
            for (var i = 0; i < count; i++)
            {
                var cosine = Cosine(a.AsSpan(i * head.FeatureSize, head.FeatureSize), b.AsSpan(i * head.FeatureSize, head.FeatureSize));
                minCosine = Math.Min(minCosine, cosine);
                cosineSum += cosine;
            }
            var (frameA, windowA) = Labels(head, package.Manifest.Stride, a, count);
            var (frameB, windowB) = Labels(head, package.Manifest.Stride, b, count);
            frames += count;
            changedFrames += frameA.Zip(frameB).Count(p => p.First != p.Second);
            windows += windowA.Length;
            changedWindows += windowA.Zip(windowB).Count(p => p.First != p.Second);
            onClip?.Invoke(clip);
        }
        return new CalibrationCheckResult
        {
            Clips = clips.Select(PackageCalibrator.ClipName).ToArray(),
            Frames = frames,
            MinCosine = minCosine,
            MeanCosine = frames > 0 ? cosineSum / frames : 0,
            ChangedFrameLabels = changedFrames,
            Windows = windows,
            ChangedWindowLabels = changedWindows,
            MaxChangedWindowFraction = maxChangedWindowFraction,
        };
    }

    /// <summary>Per-frame labels (GRU steps from a zero state) and window labels of one clip's features.</summary>
    public static (int[] Frames, int[] Windows) Labels(GruHead head, int stride, float[] features, int count)
    {
        var state = new float[head.StateSize];
        var probabilities = new float[head.ClassCount];
        var frameLabels = new int[count];
        var windowLabels = new List<int>();
        for (var i = 0; i < count; i++)
        {
            head.Step(features.AsSpan(i * head.FeatureSize, head.FeatureSize), state, probabilities);
            frameLabels[i] = Probabilities.ArgMax(probabilities);
            var seen = i + 1;
            if (seen >= head.Window && (seen - head.Window) % stride == 0)
            {
                head.RunWindow(features.AsSpan((seen - head.Window) * head.FeatureSize, head.Window * head.FeatureSize), probabilities);
                windowLabels.Add(Probabilities.ArgMax(probabilities));
            }
        }
        return (frameLabels, windowLabels.ToArray());
    }

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var k = 0; k < a.Length; k++)
        {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }
        return na > 0 && nb > 0 ? dot / Math.Sqrt(na * nb) : (na == nb ? 1 : 0);
    }
}
