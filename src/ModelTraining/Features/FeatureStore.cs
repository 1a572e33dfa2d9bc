using System.Diagnostics;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Training.Data;
using StreamLrcn.Models;

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
        Action<long, long>? onProgress = null) =>
        Load(clips, withFlips, CnnStreams.RgbOnly, out statistics, onProgress);

    /// <summary>
    /// Features for a head of several <paramref name="streams"/>: each stream is cached on its own
    /// (the frame's entries are the same as an RGB-only head's) and the rows are put side by side,
    /// [frames, streams.Rows · feature size], in the streams' order, as the pipeline's CNN stage does.
    /// </summary>
    public IReadOnlyList<ClipFeatures> Load(IReadOnlyList<LabelledClip> clips, bool withFlips, CnnStreams streams, out FeatureLoadStatistics statistics,
        Action<long, long>? onProgress = null)
    {
        if (streams.Rows == 1)
            return LoadStream(clips, withFlips, streams, out statistics, onProgress);
        var parts = new List<IReadOnlyList<ClipFeatures>>();
        var total = new FeatureLoadStatistics(0, 0, 0, TimeSpan.Zero);
        foreach (var name in streams.Names)
        {
            var single = name == CnnStreams.Rgb ? CnnStreams.RgbOnly : CnnStreams.DifferenceOnly(streams.Difference!);
            parts.Add(LoadStream(clips, withFlips, single, out var part, onProgress));
            total = new FeatureLoadStatistics(total.CacheHits + part.CacheHits, total.Extracted + part.Extracted,
                total.FramesExtracted + part.FramesExtracted, total.Elapsed + part.Elapsed);
        }
        statistics = total;
        return Enumerable.Range(0, parts[0].Count).Select(i => SideBySide(parts.Select(p => p[i]).ToArray())).ToArray();
    }

    /// <summary>
    /// Features of the clips as a stream at 1/<paramref name="every"/> of their frame rate would give
    /// them: every <paramref name="every"/>-th frame, its difference image spanning what the
    /// runtime's would at that rate: <see cref="DifferenceSpec.FramesAt"/> of the kept frames (the
    /// step itself when it counts frames, the step time at that rate when the package gives its
    /// training rate), each <paramref name="every"/> source frames apart.
    /// </summary>
    public IReadOnlyList<ClipFeatures> LoadEveryNth(IReadOnlyList<LabelledClip> clips, CnnStreams streams, int every, out FeatureLoadStatistics statistics,
        Action<long, long>? onProgress = null)
    {
        if (every < 1)
            throw new ArgumentOutOfRangeException(nameof(every), every, "the frame step must be at least 1");
        if (streams.Difference is not { } difference)
            return Load(clips, false, streams, out statistics, onProgress).Select(c => EveryNth(c, every)).ToArray();
        var results = new ClipFeatures[clips.Count];
        var total = new FeatureLoadStatistics(0, 0, 0, TimeSpan.Zero);
        var bySpan = clips.Select((clip, i) => (Clip: clip, Index: i, Span: SourceFramesSpanned(difference, clip.Path, every))).GroupBy(c => c.Span);
        foreach (var group in bySpan)
        {
            var spanning = CnnStreams.Create(streams.Names, new DifferenceSpec { Step = group.Key, Scale = difference.Scale });
            var loaded = Load(group.Select(c => c.Clip).ToArray(), false, spanning, out var part, onProgress);
            foreach (var (c, features) in group.Zip(loaded))
                results[c.Index] = EveryNth(features, every);
            total = new FeatureLoadStatistics(total.CacheHits + part.CacheHits, total.Extracted + part.Extracted,
                total.FramesExtracted + part.FramesExtracted, total.Elapsed + part.Elapsed);
        }
        statistics = total;
        return results;
    }

    /// <summary>Source frames between the two frames of a difference in a stream made of every <paramref name="every"/>-th frame of the clip.</summary>
    public static int SourceFramesSpanned(DifferenceSpec difference, string clipPath, int every)
    {
        double rate;
        using (var source = FrameSourceFactory.Open(clipPath))
            rate = source.FramesPerSecond;
        return difference.FramesAt(rate / every) * every;
    }

    private static ClipFeatures EveryNth(ClipFeatures clip, int every)
    {
        if (every == 1)
            return clip;
        var frames = (clip.Frames + every - 1) / every;
        return clip with { Frames = frames, Values = clip.Gather(Enumerable.Range(0, frames).Select(f => f * every).ToArray()) };
    }

    /// <summary>Each frame's features of every part, one after the other.</summary>
    private static ClipFeatures SideBySide(IReadOnlyList<ClipFeatures> parts)
    {
        var frames = parts[0].Frames;
        if (parts.Any(p => p.Frames != frames))
            throw new InvalidOperationException($"{parts[0]}: the streams' features have {string.Join(" and ", parts.Select(p => p.Frames))} frames");
        var size = parts.Sum(p => p.FeatureSize);
        var values = new float[frames * size];
        for (var f = 0; f < frames; f++)
        {
            var offset = f * size;
            foreach (var part in parts)
            {
                part.Frame(f).CopyTo(values.AsSpan(offset));
                offset += part.FeatureSize;
            }
        }
        return parts[0] with { FeatureSize = size, Values = values };
    }

    private IReadOnlyList<ClipFeatures> LoadStream(IReadOnlyList<LabelledClip> clips, bool withFlips, CnnStreams stream, out FeatureLoadStatistics statistics,
        Action<long, long>? onProgress)
    {
        var stopwatch = Stopwatch.StartNew();
        var streamKey = stream == CnnStreams.RgbOnly ? null : stream.Describe();
        var wanted = clips.SelectMany(c => withFlips ? new[] { (c, false), (c, true) } : new[] { (c, false) })
            .Select(w => (Clip: w.c, Flipped: w.Item2, Key: cache.Key(w.c.Path, w.Item2, streamKey)))
            .ToArray();
        var results = new ClipFeatures?[wanted.Length];
        var misses = new List<int>();
        for (var i = 0; i < wanted.Length; i++)
        {
            var (clip, flipped, key) = wanted[i];
            if (cache.TryLoad(key, CnnFeatureNames.SizeOf(cnn.Features), out var frames, out var values))
                results[i] = new ClipFeatures(clip, flipped, frames, CnnFeatureNames.SizeOf(cnn.Features), values);
            else
                misses.Add(i);
        }

        long framesDone = 0;
        if (misses.Count > 0)
        {
            var total = misses.Sum(i => ExpectedFrames(wanted[i].Clip.Path));
            Log.Information("Extracting CNN features ({Stream}) of {Count} clip(s), about {Frames} frames; {Hits} found in the cache {Directory}",
                stream.Describe(), misses.Count, total, wanted.Length - misses.Count, cache.Directory);
            using var featurizer = new ClipFeaturizer(cnn);
            foreach (var i in misses)
            {
                var (clip, flipped, key) = wanted[i];
                var values = featurizer.Featurize(clip.Path, flipped, stream, out var frames, n =>
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
