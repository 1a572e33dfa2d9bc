using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Preprocessing;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Tests.Features;

public sealed class StreamFeatureTests : IDisposable
{
    private const int Size = ResNet18FeatureModel.InputSize;
    private readonly TemporaryDirectory _directory = new();
    private readonly FeatureCache _cache;

    public StreamFeatureTests()
    {
        _cache = new FeatureCache(_directory.Combine("cache"), ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24));
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Two_stream_features_are_the_frame_features_beside_the_CNN_features_of_independently_computed_difference_images()
    {
        var frames = SyntheticClips.GrowingDisc(9, seed: 5);
        var folder = SyntheticClips.WriteFolder(_directory.Combine("data", "a", "seq"), frames);
        LabelledClip[] clips = [new("a", 0, folder)];
        var store = new FeatureStore(_cache, DeviceRequest.Cpu);
        var both = CnnStreams.Create([CnnStreams.Rgb, CnnStreams.DifferenceStream]);

        var rgb = store.Load(clips, withFlips: false, out _)[0];
        var twoStream = store.Load(clips, withFlips: false, both, out var statistics)[0];

        // The frame's features came from the cache the RGB-only load filled; the difference was extracted.
        Assert.Equal((1, 1), (statistics.CacheHits, statistics.Extracted));
        Assert.Equal(1024, twoStream.FeatureSize);
        var expectedDifference = DifferenceFeatures(frames, scale: 2);
        SyntheticClips.DisposeAll(frames);
        for (var f = 0; f < 9; f++)
        {
            Assert.Equal(rgb.Frame(f).ToArray(), twoStream.Frame(f)[..512].ToArray());
            var difference = twoStream.Frame(f)[512..].ToArray();
            var max = difference.Zip(expectedDifference.AsSpan(f * 512, 512).ToArray(), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(max <= 1e-4f, $"frame {f}: difference features off by {max}");
        }
        // A still first frame and a moving disc do not give the same difference features.
        Assert.True(expectedDifference.AsSpan(0, 512).ToArray().Zip(expectedDifference.AsSpan(4 * 512, 512).ToArray(), (a, b) => Math.Abs(a - b)).Max() > 0.01f);
    }

    [Fact]
    public void Each_stream_setting_has_its_own_cache_key_and_the_frame_keeps_the_key_it_always_had()
    {
        var frames = SyntheticClips.GrowingDisc(3, seed: 6);
        var folder = SyntheticClips.WriteFolder(_directory.Combine("data", "a", "seq"), frames);
        SyntheticClips.DisposeAll(frames);

        var keys = new[]
        {
            _cache.Key(folder, false),
            _cache.Key(folder, false, CnnStreams.DifferenceOnly(new DifferenceSpec()).Describe()),
            _cache.Key(folder, false, CnnStreams.DifferenceOnly(new DifferenceSpec { Step = 2 }).Describe()),
            _cache.Key(folder, false, CnnStreams.DifferenceOnly(new DifferenceSpec { Scale = 3 }).Describe()),
            _cache.Key(folder, true, CnnStreams.DifferenceOnly(new DifferenceSpec()).Describe()),
        };

        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(keys[0], _cache.Key(folder, false, null));
    }

    [Fact]
    public void Every_second_frame_of_a_real_clip_gives_the_features_of_a_clip_made_of_every_second_frame()
    {
        // PNG keeps the pixels exactly: the half-rate clip is the full one's even frames, nothing else.
        var (fullFolder, halfFolder) = FullAndHalfRate(Path.Combine("wave", "p1_t1.avi"), 21, "wave");
        var store = new FeatureStore(_cache, DeviceRequest.Cpu);
        var streams = CnnStreams.Create([CnnStreams.Rgb, CnnStreams.DifferenceStream]);

        var everySecond = store.LoadEveryNth([new LabelledClip("wave", 0, fullFolder)], streams, 2, out _)[0];
        var halfRate = store.Load([new LabelledClip("wave", 0, halfFolder)], false, streams, out _)[0];

        Assert.Equal(11, halfRate.Frames);
        Assert.Equal(halfRate.Frames, everySecond.Frames);
        var max = everySecond.Values.Zip(halfRate.Values, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(max <= 1e-4f, $"every second frame vs the half-rate clip: max abs difference {max}");
        // The step-1 difference of the full clip is another motion: it must not match.
        var stepOne = store.Load([new LabelledClip("wave", 0, fullFolder)], false, streams, out _)[0];
        Assert.True(stepOne.Frame(2)[512..].ToArray().Zip(halfRate.Frame(1)[512..].ToArray(), (a, b) => Math.Abs(a - b)).Max() > 0.01f);
    }

    [Fact]
    public void At_half_the_frame_rate_a_step_given_as_a_time_spans_the_same_moments_and_a_step_of_frames_twice_as_many()
    {
        // Frame folders play at 30 fps; the half-rate clip is the full one's even frames.
        var (fullFolder, halfFolder) = FullAndHalfRate(Path.Combine("raise_arms_front", "p2_t1.avi"), 17, "front");
        var store = new FeatureStore(_cache, DeviceRequest.Cpu);
        var clip = new LabelledClip("front", 0, fullFolder);
        // Two frames at 30 fps: 67 ms, one frame of a 15 fps stream.
        var asTime = CnnStreams.DifferenceOnly(new DifferenceSpec { Step = 2, FramesPerSecond = 30 });
        var asFrames = CnnStreams.DifferenceOnly(new DifferenceSpec { Step = 2 });

        var timeAtHalf = store.LoadEveryNth([clip], asTime, 2, out _)[0];
        var framesAtHalf = store.LoadEveryNth([clip], asFrames, 2, out _)[0];
        var halfStepOne = store.Load([new LabelledClip("front", 0, halfFolder)], false, CnnStreams.DifferenceOnly(new DifferenceSpec { Step = 1 }), out _)[0];
        var halfStepTwo = store.Load([new LabelledClip("front", 0, halfFolder)], false, CnnStreams.DifferenceOnly(new DifferenceSpec { Step = 2 }), out _)[0];

        Assert.Equal(9, timeAtHalf.Frames);
        Assert.True(MaxAbs(timeAtHalf.Values, halfStepOne.Values) <= 1e-4f, $"time step at half rate vs a 1-frame step of the half-rate clip: {MaxAbs(timeAtHalf.Values, halfStepOne.Values)}");
        Assert.True(MaxAbs(framesAtHalf.Values, halfStepTwo.Values) <= 1e-4f, $"frame step at half rate vs a 2-frame step of the half-rate clip: {MaxAbs(framesAtHalf.Values, halfStepTwo.Values)}");
        Assert.True(MaxAbs(timeAtHalf.Values, framesAtHalf.Values) > 0.01f, "the two steps gave the same features: the clip does not move");
        Assert.Equal(2, FeatureStore.SourceFramesSpanned(asTime.Difference!, fullFolder, 2));
        Assert.Equal(4, FeatureStore.SourceFramesSpanned(asFrames.Difference!, fullFolder, 2));
    }

    /// <summary>The first <paramref name="count"/> frames of a real clip as a PNG frame folder, and its even frames as another.</summary>
    private (string Full, string Half) FullAndHalfRate(string clip, int count, string label)
    {
        var full = new List<Mat>();
        using (var source = new VideoFileSource(Path.Combine(TestData.ArmGestures, clip)))
        {
            for (var i = 0; i < count; i++)
            {
                var image = new Mat();
                Assert.True(source.Read(image, out _));
                full.Add(image);
            }
        }
        var fullFolder = SyntheticClips.WriteFolder(_directory.Combine("data", label, "full"), full);
        var halfFolder = SyntheticClips.WriteFolder(_directory.Combine("data", label, "half"), full.Where((_, i) => i % 2 == 0).ToArray());
        SyntheticClips.DisposeAll(full);
        return (fullFolder, halfFolder);
    }

    private static float MaxAbs(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }

    /// <summary>CNN features of min(255, scale·|frame_t − frame_t−1|) of the resized frames, the image computed here byte by byte (zeros for the first frame).</summary>
    private static float[] DifferenceFeatures(IReadOnlyList<Mat> frames, int scale)
    {
        using var extractor = new FeatureExtractor(DeviceRequest.Cpu, maxBatchSize: 1);
        using var previous = new FrameSlot(Size, Size);
        using var current = new FrameSlot(Size, Size);
        var result = new float[frames.Count * 512];
        for (var f = 0; f < frames.Count; f++)
        {
            FrameResizer.Resize(frames[f], current.Mat);
            var row = extractor.InputRow(0);
            var now = current.Span;
            var before = previous.Span;
            for (var i = 0; i < row.Length; i++)
                row[i] = f == 0 ? (byte)0 : (byte)Math.Min(255, scale * Math.Abs(now[i] - before[i]));
            extractor.Run(1, result.AsSpan(f * 512, 512));
            current.Span.CopyTo(previous.WritableSpan);
        }
        return result;
    }
}
