using System.Diagnostics;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Features;

/// <summary>
/// Gives the features of clips, from <see cref="FeatureCache"/> when it has them and otherwise by
/// running <see cref="ClipFeaturizer"/> and storing the result. The CNN session is only created
/// when a clip misses, so a fully cached run never loads it.
/// </summary>
public sealed class FeatureStore(FeatureCache cache, CnnOptions cnn)
{
    /// <summary>A store whose CNN runs in float32 on <paramref name="device"/>.</summary>
    public FeatureStore(FeatureCache cache, DeviceRequest device, int cpuThreads = 0)
        : this(cache, new CnnOptions(device, CpuThreads: cpuThreads, InFlightBatches: 1))
    {
    }

    public FeatureCache Cache => cache;

    /// <summary>
    /// Features of every clip, and of its mirror image when <paramref name="withFlips"/>; the
    /// original of clip i is at 2i (or i), its mirror at 2i+1.
    /// </summary>
    /// <param name="onProgress">Called with (frames done, frames to extract) while extracting.</param>
    public IReadOnlyList<ClipFeatures> Load(IReadOnlyList<LabelledClip> clips, bool withFlips, out FeatureLoadStatistics statistics,
        Action<long, long>? onProgress = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var wanted = clips.SelectMany(c => withFlips ? new[] { (c, false), (c, true) } : new[] { (c, false) })
            .Select(w => (Clip: w.c, Flipped: w.Item2, Key: cache.Key(w.c.Path, w.Item2)))
            .ToArray();
        var results = new ClipFeatures?[wanted.Length];
        var misses = new List<int>();
        for (var i = 0; i < wanted.Length; i++)
        {
            var (clip, flipped, key) = wanted[i];
            if (cache.TryLoad(key, ResNet18FeatureModel.FeatureSize, out var frames, out var values))
                results[i] = new ClipFeatures(clip, flipped, frames, ResNet18FeatureModel.FeatureSize, values);
            else
                misses.Add(i);
        }

        long framesDone = 0;
        if (misses.Count > 0)
        {
            var total = misses.Sum(i => ExpectedFrames(wanted[i].Clip.Path));
            Log.Information("Extracting CNN features of {Count} clip(s), about {Frames} frames; {Hits} found in the cache {Directory}",
                misses.Count, total, wanted.Length - misses.Count, cache.Directory);
            using var featurizer = new ClipFeaturizer(cnn);
            foreach (var i in misses)
            {
                var (clip, flipped, key) = wanted[i];
                var values = featurizer.Featurize(clip.Path, flipped, out var frames, n =>
                {
                    framesDone += n;
                    onProgress?.Invoke(framesDone, Math.Max(total, framesDone));
                });
                cache.Store(key, frames, featurizer.FeatureSize, values);
                results[i] = new ClipFeatures(clip, flipped, frames, featurizer.FeatureSize, values);
            }
        }
        statistics = new FeatureLoadStatistics(wanted.Length - misses.Count, misses.Count, framesDone, stopwatch.Elapsed);
        Log.Information("Features of {Count} clip(s) ready: {Hits} from cache, {Extracted} extracted ({Frames} frames) in {Seconds:F1} s",
            wanted.Length, statistics.CacheHits, statistics.Extracted, framesDone, stopwatch.Elapsed.TotalSeconds);
        return results.Select(r => r!).ToArray();
    }

    private static long ExpectedFrames(string path)
    {
        using var source = FrameSourceFactory.Open(path);
        return source.ExpectedFrameCount ?? 0;
    }
}
