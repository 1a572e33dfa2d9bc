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
    public void A_lane_reuses_its_bound_tensors_across_batch_sizes_and_reads_each_run_s_own_rows()
    {
        // The lane binds each batch size once over its buffers: later runs of that size must see
        // the rows written since (not the first run's), and other sizes must not disturb them.
        var slots = Frames(4);
        using var lane = new FeatureExtractor(DeviceRequest.Cpu, maxBatchSize: 4);
        using var fresh = new FeatureExtractor(DeviceRequest.Cpu, maxBatchSize: 4);
        float[] Run(FeatureExtractor extractor, int count, params int[] frames)
        {
            for (var i = 0; i < count; i++)
                slots[frames[i]].Span.CopyTo(extractor.InputRow(i));
            var features = new float[count * 512];
            extractor.Run(count, features);
            return features;
        }

        var first = Run(lane, 3, 0, 1, 2);
        var single = Run(lane, 1, 3);
        var again = Run(lane, 3, 3, 2, 1);
        Assert.Equal(2, lane.Lane(0).BoundBatchSizes);

        var expected = Run(fresh, 3, 3, 2, 1);
        var worst = again.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-5f, $"a reused binding differs from a fresh lane by {worst}");
        Assert.NotEqual(first[..512], again[..512]);
        var singleWorst = single.Zip(again[..512], (a, b) => Math.Abs(a - b)).Max();
        Assert.True(singleWorst <= 1e-5f, $"frame 3 alone differs from frame 3 in a batch by {singleWorst}");
        foreach (var slot in slots)
            slot.Dispose();
    }

    [Fact]
    public void The_float16_variant_stays_within_its_error_budget_of_float32()
    {
        // float16 keeps 11 significant bits (relative step 4.9e-4); through 18 convolutions the
        // errors add up to about 1e-3 of the largest feature. 5e-3 leaves room without hiding a
        // broken conversion, which shows up as errors of 10% or more (see ConvertTrunkToFloat16).
        var slots = Frames(3);
        var input = new byte[3 * FeatureExtractor.FrameBytes];
        for (var i = 0; i < 3; i++)
            slots[i].Span.CopyTo(input.AsSpan(i * FeatureExtractor.FrameBytes));
        var full = RunDerived(ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24), input, 3);
        var half = RunDerived(ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, CnnPrecision.Float16), input, 3);

        for (var i = 0; i < 3; i++)
        {
            var a = full.AsSpan(i * 512, 512);
            var b = half.AsSpan(i * 512, 512);
            var scale = 0f;
            var worst = 0f;
            double dot = 0, na = 0, nb = 0;
            for (var k = 0; k < 512; k++)
            {
                scale = Math.Max(scale, Math.Abs(a[k]));
                worst = Math.Max(worst, Math.Abs(a[k] - b[k]));
                dot += a[k] * b[k];
                na += a[k] * a[k];
                nb += b[k] * b[k];
            }
            Assert.True(worst <= 5e-3f * scale, $"frame {i}: float16 differs by {worst} against feature scale {scale}");
            Assert.True(dot / Math.Sqrt(na * nb) > 0.99999, $"frame {i}: cosine similarity {dot / Math.Sqrt(na * nb)}");
        }
        foreach (var slot in slots)
            slot.Dispose();
    }

    [Fact]
    public void The_float_input_variant_equals_the_byte_input_variant()
    {
        var slots = Frames(1);
        var bytes = slots[0].Span.ToArray();
        var planar = new float[3 * Side * Side];
        for (var p = 0; p < Side * Side; p++)
            for (var c = 0; c < 3; c++)
                planar[c * Side * Side + p] = bytes[p * 3 + c];

        var fromBytes = RunDerived(ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24), bytes, 1);
        using var session = new InferenceSession(ResNet18FeatureModel.Ensure(CnnInputFormat.Float32Planar));
        using var value = OrtValue.CreateTensorValueFromMemory(planar, [1, 3, Side, Side]);
        using var outputs = session.Run(new RunOptions(), [ResNet18FeatureModel.InputName], [value], [ResNet18FeatureModel.OutputName]);
        var fromFloats = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.True(fromBytes.Zip(fromFloats).Max(p => Math.Abs(p.First - p.Second)) <= 1e-4f);
        slots[0].Dispose();
    }

    private static float[] RunDerived(string modelPath, byte[] input, int count)
    {
        using var session = new InferenceSession(modelPath);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [count, Side, Side, 3]);
        using var outputs = session.Run(new RunOptions(), [ResNet18FeatureModel.InputName], [value], [ResNet18FeatureModel.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Fact]
    public async Task Deriving_the_model_leaves_the_source_readable_by_another_process_starting_at_the_same_time()
    {
        using var cache = new TempDirectory();
        var deriving = Task.Run(() => ResNet18FeatureModel.Ensure(CnnInputFormat.Float32Planar, cache.Path));
        var reads = 0;
        while (!deriving.IsCompleted)
        {
            // What a second process does first: hash the source files (shared reading).
            _ = File.ReadAllBytes(ResNet18FeatureModel.SourceModelPath).Length;
            reads++;
        }
        await deriving;
        Assert.True(reads > 0);
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
            FrameResizer.Resize(image, slots[i].Mat);
        }
        return slots;
    }
}
