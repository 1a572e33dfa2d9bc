using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Preprocessing;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Tests.Features;

public sealed class FeatureStoreTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly FeatureCache _cache;

    public FeatureStoreTests()
    {
        _cache = new FeatureCache(_directory.Combine("cache"), ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24));
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_second_load_comes_from_the_cache_with_the_same_features_the_cnn_gives_for_each_frame()
    {
        var frames = SyntheticClips.GrowingDisc(7, seed: 11);
        var video = SyntheticClips.WriteAvi(_directory.Combine("data", "a", "clip.avi"), frames);
        var folder = SyntheticClips.WriteFolder(_directory.Combine("data", "b", "seq"), frames);
        SyntheticClips.DisposeAll(frames);
        LabelledClip[] clips = [new("a", 0, video), new("b", 1, folder)];
        var store = new FeatureStore(_cache, DeviceRequest.Cpu);

        var first = store.Load(clips, withFlips: true, out var firstStatistics);
        var second = store.Load(clips, withFlips: true, out var secondStatistics);

        Assert.Equal((0, 4, 28L), (firstStatistics.CacheHits, firstStatistics.Extracted, firstStatistics.FramesExtracted));
        Assert.Equal((4, 0, 0L), (secondStatistics.CacheHits, secondStatistics.Extracted, secondStatistics.FramesExtracted));
        Assert.Equal([false, true, false, true], second.Select(c => c.Flipped));
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(7, second[i].Frames);
            Assert.Equal(first[i].Values, second[i].Values);
        }

        // Expected features computed independently: decode, resize and run the CNN one frame at a time.
        var expected = DirectFeatures(video);
        Assert.Equal(7 * ResNet18FeatureModel.FeatureSize, expected.Length);
        Assert.True(MaxDifference(expected, second[0].Values) < 1e-4, "cached features differ from the CNN's output for the same frames");
    }

    [Fact]
    public void Flipped_features_are_the_features_of_the_mirrored_clip_and_cached_under_their_own_key()
    {
        var frames = SyntheticClips.GrowingDisc(5, seed: 12);
        var original = SyntheticClips.WriteFolder(_directory.Combine("data", "a", "original"), frames);
        foreach (var frame in frames)
            Cv2.Flip(frame, frame, FlipMode.Y);
        var mirrored = SyntheticClips.WriteFolder(_directory.Combine("data", "a", "mirrored"), frames);
        SyntheticClips.DisposeAll(frames);
        var store = new FeatureStore(_cache, DeviceRequest.Cpu);

        var features = store.Load([new LabelledClip("a", 0, original), new LabelledClip("a", 0, mirrored)], withFlips: true, out _);

        Assert.NotEqual(_cache.Key(original, flipped: false), _cache.Key(original, flipped: true));
        Assert.True(MaxDifference(features[1].Values, features[2].Values) < 1e-4, "features of the flipped clip differ from those of the mirrored frames");
        Assert.True(MaxDifference(features[0].Values, features[1].Values) > 1e-2, "flipping changed nothing: the test clip is not asymmetric enough");
    }

    [Fact]
    public void The_cache_key_follows_the_clip_content_not_its_name()
    {
        var frames = SyntheticClips.GrowingDisc(4, seed: 13);
        var folder = SyntheticClips.WriteFolder(_directory.Combine("data", "a", "seq"), frames);
        var key = _cache.Key(folder, flipped: false);

        var moved = _directory.Combine("data", "a", "renamed");
        Directory.Move(folder, moved);
        var keyAfterRename = _cache.Key(moved, flipped: false);
        Cv2.Circle(frames[2], new Point(5, 5), 3, Scalar.Red, -1);
        Cv2.ImWrite(Path.Combine(moved, "frame_002.png"), frames[2]);
        var keyAfterEdit = _cache.Key(moved, flipped: false);
        SyntheticClips.DisposeAll(frames);

        Assert.Equal(key, keyAfterRename);
        Assert.NotEqual(key, keyAfterEdit);
    }

    [Fact]
    public void A_damaged_cache_entry_is_treated_as_missing()
    {
        var frames = SyntheticClips.GrowingDisc(3, seed: 14);
        var folder = SyntheticClips.WriteFolder(_directory.Combine("data", "a", "seq"), frames);
        SyntheticClips.DisposeAll(frames);
        var store = new FeatureStore(_cache, DeviceRequest.Cpu);
        store.Load([new LabelledClip("a", 0, folder)], withFlips: false, out _);
        var entry = _cache.PathOf(_cache.Key(folder, flipped: false));
        File.WriteAllBytes(entry, File.ReadAllBytes(entry)[..100]);

        store.Load([new LabelledClip("a", 0, folder)], withFlips: false, out var statistics);

        Assert.Equal((0, 1), (statistics.CacheHits, statistics.Extracted));
    }

    private static float[] DirectFeatures(string path)
    {
        using var source = FrameSourceFactory.Open(path);
        using var extractor = new FeatureExtractor(DeviceRequest.Cpu, 1);
        using var slot = new FrameSlot(ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize);
        using var image = new Mat();
        var features = new List<float>();
        var row = new float[ResNet18FeatureModel.FeatureSize];
        while (source.Read(image, out _))
        {
            FrameResizer.Resize(image, slot.Mat);
            slot.Span.CopyTo(extractor.InputRow(0));
            extractor.Run(1, row);
            features.AddRange(row);
        }
        return features.ToArray();
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }
}
