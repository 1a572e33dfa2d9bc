using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Pipeline;

/// <summary>
/// The pipeline's labels of a real clip equal the clip featurized whole (every stream, the
/// runtime's <see cref="ClipFeaturizer"/>) and run through the head from a zero state: per-frame
/// labels from the carried state, window labels from a zero state every stride frames.
/// </summary>
public sealed class StreamsPipelineTests
{
    private const int Window = 8;
    private const int Stride = 4;

    [SkippableFact]
    public async Task Replay_with_a_frame_and_difference_head_equals_the_whole_clip_featurized_then_stepped()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var folder = new TempDirectory();
        var package = StreamModels.Write(folder.Path, ["rgb", "difference"], window: Window, stride: Stride);
        var clip = Path.Combine(SharedData.ArmGestures, "wave", "p2_t1.avi");

        var (features, frames) = Featurize(clip, CnnStreams.From(package.Manifest.Cnn));
        // The two halves are different inputs: the frame's features and its difference image's.
        Assert.True(MaxAbsDifference(features.AsSpan(10 * 1024, 512), features.AsSpan(10 * 1024 + 512, 512)) > 0.1f);
        // The first frame's difference is all zeros, a later one's is not.
        Assert.True(MaxAbsDifference(features.AsSpan(512, 512), features.AsSpan(30 * 1024 + 512, 512)) > 0.1f);

        var labels = await Replay(package, clip);

        AssertEqualsWholeSequence(package, features, frames, labels);
    }

    [SkippableFact]
    public async Task Replay_with_a_difference_only_head_equals_the_whole_clip_featurized_then_stepped()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var folder = new TempDirectory();
        var package = StreamModels.Write(folder.Path, ["difference"], new DifferenceSpec { Step = 2, Scale = 3 }, window: Window, stride: Stride);
        var clip = Path.Combine(SharedData.ArmGestures, "raise_arms_front", "p1_t2.avi");

        var (features, frames) = Featurize(clip, CnnStreams.From(package.Manifest.Cnn));
        var labels = await Replay(package, clip);

        AssertEqualsWholeSequence(package, features, frames, labels);
    }

    [SkippableTheory]
    [InlineData(CnnFeatures.Grid2)]
    [InlineData(CnnFeatures.Flatten)]
    public async Task Replay_with_a_grid2_or_flatten_difference_head_equals_the_whole_clip_featurized_then_stepped(CnnFeatures cnnFeatures)
    {
        // The package's cnn.features reaches the pipeline's CNN: the replay's labels equal those of the
        // clip featurized by that CNN, which a pooled CNN (512 features) could not even feed.
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var folder = new TempDirectory();
        var package = StreamModels.Write(folder.Path, ["difference"], window: Window, stride: Stride, features: cnnFeatures);
        var clip = Path.Combine(SharedData.ArmGestures, "raise_arms_side", "p2_t2.avi");

        var (features, frames) = Featurize(clip, CnnStreams.From(package.Manifest.Cnn), cnnFeatures);
        var labels = await Replay(package, clip);

        AssertEqualsWholeSequence(package, features, frames, labels);
    }

    [SkippableFact]
    public async Task Replay_with_an_rgb_only_head_equals_the_frames_featurized_as_before_the_streams_existed()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var folder = new TempDirectory();
        var package = TestModels.Write(folder.Path, hidden: 16, window: Window, stride: Stride);
        var clip = Path.Combine(SharedData.ArmGestures, "wave", "p2_t1.avi");

        float[] features;
        int frames;
        using (var featurizer = new ClipFeaturizer(DeviceRequest.Cpu))
            features = featurizer.Featurize(clip, flip: false, out frames);
        var labels = await Replay(package, clip);

        AssertEqualsWholeSequence(package, features, frames, labels);
    }

    private static (float[] Features, int Frames) Featurize(string clip, CnnStreams streams, CnnFeatures cnnFeatures = CnnFeatures.Pooled)
    {
        using var featurizer = new ClipFeaturizer(new CnnOptions(DeviceRequest.Cpu, InFlightBatches: 1, Features: cnnFeatures));
        var features = featurizer.Featurize(clip, flip: false, streams, out var frames);
        Assert.Equal(frames * streams.Rows * CnnFeatureNames.SizeOf(cnnFeatures), features.Length);
        return (features, frames);
    }

    private static async Task<IReadOnlyList<FrameLabel>> Replay(ModelPackage package, string clip)
    {
        var sink = new ListSink();
        var options = new PipelineOptions(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Float32, InFlightBatches: 1),
            new BatchingOptions(3, TimeSpan.FromMilliseconds(20)), new TemporalOptions(Window, Stride, TimeSpan.FromSeconds(1)), PipelineMode.Replay);
        using var pipeline = new ClassificationPipeline(package, options, [sink]);
        var result = await pipeline.RunAsync([new VideoFileSource(clip)], CancellationToken.None);
        Assert.Equal(sink.Labels.Count, result.FramesLabelled);
        return sink.Labels;
    }

    private static void AssertEqualsWholeSequence(ModelPackage package, float[] features, int frames, IReadOnlyList<FrameLabel> labels)
    {
        using var head = new GruHead(package, Window);
        Assert.Equal(frames, labels.Count);
        var state = new float[head.StateSize];
        var probabilities = new float[head.ClassCount];
        var windowProbabilities = new float[head.ClassCount];
        var size = head.FeatureSize;
        float maxFrame = 0, maxWindow = 0;
        var windows = 0;
        for (var t = 0; t < frames; t++)
        {
            Assert.Equal(t, labels[t].Header.Sequence);
            head.Step(features.AsSpan(t * size, size), state, probabilities);
            maxFrame = Math.Max(maxFrame, MaxAbsDifference(probabilities, labels[t].Probabilities));
            Assert.Equal(Probabilities.ArgMax(probabilities), labels[t].LabelIndex);
            var seen = t + 1;
            if (seen >= Window && (seen - Window) % Stride == 0)
            {
                head.RunWindow(features.AsSpan((seen - Window) * size, Window * size), windowProbabilities);
                Assert.NotNull(labels[t].WindowProbabilities);
                maxWindow = Math.Max(maxWindow, MaxAbsDifference(windowProbabilities, labels[t].WindowProbabilities!));
                windows++;
            }
            else
            {
                Assert.Null(labels[t].WindowProbabilities);
            }
        }
        Assert.True(windows > 5);
        Assert.True(maxFrame <= 1e-4f, $"per-frame probabilities: pipeline vs whole clip differ by {maxFrame}");
        Assert.True(maxWindow <= 1e-4f, $"window probabilities: pipeline vs whole clip differ by {maxWindow}");
    }

    private static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private sealed class ListSink : ILabelSink
    {
        public List<FrameLabel> Labels { get; } = [];

        public void Write(FrameLabel label) => Labels.Add(label);

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
