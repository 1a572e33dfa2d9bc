using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using StreamLrcn.Inference;
using StreamLrcn.Preprocessing;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Inference;

/// <summary>Checks the derived CNN against the original NuGet graph and batching against single frames.</summary>
public sealed class ResNet18FeatureModelTests : IClassFixture<ResNet18FeatureModelTests.Extractors>
{
    private const int Side = ResNet18FeatureModel.InputSize;
    private readonly Extractors _extractors;

    public ResNet18FeatureModelTests(Extractors extractors) => _extractors = extractors;

    public sealed class Extractors : IDisposable
    {
        public FeatureExtractor Batched { get; } = new(DeviceRequest.Cpu, maxBatchSize: 4);

        public void Dispose() => Batched.Dispose();
    }

    [Fact]
    public void Derived_model_gives_the_features_of_the_original_graph_with_its_preprocessing()
    {
        var slots = Frames(2);
        var derived = new float[2 * 512];
        for (var i = 0; i < 2; i++)
            slots[i].Span.CopyTo(_extractors.Batched.InputRow(i));
        _extractors.Batched.Run(2, derived);

        // The original: batch 1, float BGR planes minus the mean image, computed here by hand.
        var mean = ResNet18FeatureModel.ReadMeanImage();
        using var original = new InferenceSession(ResNet18FeatureModel.SourceModelPath);
        for (var i = 0; i < 2; i++)
        {
            var planar = new float[3 * Side * Side];
            var pixels = slots[i].Span;
            for (var p = 0; p < Side * Side; p++)
                for (var c = 0; c < 3; c++)
                    planar[c * Side * Side + p] = pixels[p * 3 + c] - mean[c * Side * Side + p];
            using var input = OrtValue.CreateTensorValueFromMemory(planar, [1, 3, Side, Side]);
            using var outputs = original.Run(new RunOptions(), ["Input247"], [input], ["Pooling395_Output_0"]);
            var expected = outputs[0].GetTensorDataAsSpan<float>();

            var scale = 0f;
            var worst = 0f;
            for (var k = 0; k < 512; k++)
            {
                scale = Math.Max(scale, Math.Abs(expected[k]));
                worst = Math.Max(worst, Math.Abs(expected[k] - derived[i * 512 + k]));
            }
            Assert.True(scale > 0.1f, "the original graph produced near-zero features; the comparison would be meaningless");
            Assert.True(worst <= 1e-4f * scale, $"frame {i}: max abs difference {worst} against feature scale {scale}");
        }
        foreach (var slot in slots)
            slot.Dispose();
    }

    [Fact]
    public void A_batch_of_frames_from_several_streams_equals_single_frame_runs()
    {
        var slots = Frames(4);
        var batched = new float[4 * 512];
        for (var i = 0; i < 4; i++)
            slots[i].Span.CopyTo(_extractors.Batched.InputRow(i));
        _extractors.Batched.Run(4, batched);

        using var single = new FeatureExtractor(DeviceRequest.Cpu, maxBatchSize: 1);
        var one = new float[512];
        for (var i = 0; i < 4; i++)
        {
            slots[i].Span.CopyTo(single.InputRow(0));
            single.Run(1, one);
            var worst = 0f;
            for (var k = 0; k < 512; k++)
                worst = Math.Max(worst, Math.Abs(one[k] - batched[i * 512 + k]));
            Assert.True(worst <= 1e-5f, $"stream {i}: batched features differ from a single run by {worst}");
        }
        // Different frames must give different features, or the equality above proves nothing.
        Assert.NotEqual(batched[..512], batched[512..1024]);
        foreach (var slot in slots)
            slot.Dispose();
    }

    [Fact]
    public void The_derived_model_is_cached_and_reused()
    {
        using var cache = new TempDirectory();
        var first = ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, cache.Path);
        var written = File.GetLastWriteTimeUtc(first);

        var second = ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, cache.Path);

        Assert.Equal(first, second);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second));
        Assert.Single(Directory.GetFiles(cache.Path));
    }

    /// <summary>Different frames, one per "stream", resized exactly as the pipeline does.</summary>
    private static FrameSlot[] Frames(int count)
    {
        var slots = new FrameSlot[count];
        using var image = new Mat(480, 640, MatType.CV_8UC3);
        for (var i = 0; i < count; i++)
        {
            TestMedia.DrawFrame(image, i * 37);
            Cv2.Circle(image, new Point(100 + i * 120, 240), 60, new Scalar(i * 60, 200 - i * 40, 30), -1);
            slots[i] = new FrameSlot(Side, Side);
            PreprocessStage.Resize(image, slots[i]);
        }
        return slots;
    }
}
