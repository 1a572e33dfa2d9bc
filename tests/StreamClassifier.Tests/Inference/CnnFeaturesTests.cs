using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using StreamLrcn.Calibration;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Preprocessing;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Inference;

/// <summary>
/// The CNN's feature options (<see cref="CnnFeatures"/>) on real frames: the flattened map is what
/// the pooled output averages, and grid2 is a 2x2 adaptive average of that map, computed here
/// independently of the graph's AveragePool.
/// </summary>
public sealed class CnnFeaturesTests
{
    private const int Side = ResNet18FeatureModel.InputSize;
    private const int Channels = 512;
    private const int Map = 7;

    [SkippableFact]
    public void Pooled_and_grid2_features_are_averages_of_the_flattened_map_of_the_same_frames()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var slots = RealFrames(Path.Combine(SharedData.ArmGestures, "wave", "p1_t1.avi"), [0, 30, 60]);
        var pooled = Run(CnnFeatures.Pooled, slots);
        var grid = Run(CnnFeatures.Grid2, slots);
        var flat = Run(CnnFeatures.Flatten, slots);
        Assert.Equal(slots.Length * 512, pooled.Length);
        Assert.Equal(slots.Length * 2048, grid.Length);
        Assert.Equal(slots.Length * 25088, flat.Length);

        for (var f = 0; f < slots.Length; f++)
        {
            var map = flat.AsSpan(f * 25088, 25088); // [c, row, column]
            var scale = 0f;
            float worstPooled = 0, worstGrid = 0;
            for (var c = 0; c < Channels; c++)
            {
                var mean = Mean(map, c, 0, Map, 0, Map);
                scale = Math.Max(scale, Math.Abs(mean));
                worstPooled = Math.Max(worstPooled, Math.Abs(mean - pooled[f * 512 + c]));
                // PyTorch's adaptive average pooling to 2: cells [floor(i·7/2), ceil((i+1)·7/2)) = 0-3 and 3-6.
                for (var i = 0; i < 2; i++)
                    for (var j = 0; j < 2; j++)
                    {
                        var expected = Mean(map, c, i * 7 / 2, ((i + 1) * 7 + 1) / 2, j * 7 / 2, ((j + 1) * 7 + 1) / 2);
                        worstGrid = Math.Max(worstGrid, Math.Abs(expected - grid[f * 2048 + c * 4 + i * 2 + j]));
                    }
            }
            Assert.True(scale > 0.1f, $"frame {f}: near-zero features, the comparison would prove nothing");
            Assert.True(worstPooled <= 1e-4f * scale, $"frame {f}: pooled differs from the map's mean by {worstPooled} (scale {scale})");
            Assert.True(worstGrid <= 1e-4f * scale, $"frame {f}: grid2 differs from the map's 2x2 averages by {worstGrid} (scale {scale})");
        }
        // Different frames give different maps, or the equalities above could hold by accident.
        Assert.True(flat.AsSpan(0, 25088).ToArray().Zip(flat.AsSpan(25088, 25088).ToArray()).Max(p => Math.Abs(p.First - p.Second)) > 0.1f);
        foreach (var slot in slots)
            slot.Dispose();
    }

    [Fact]
    public void Each_derived_model_declares_its_feature_size_and_pooled_keeps_its_file_name()
    {
        using var cache = new TempDirectory();
        var pooled = ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, CnnPrecision.Float32, cache.Path);
        var grid = ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, CnnPrecision.Float32, cache.Path, features: CnnFeatures.Grid2);
        Assert.Equal($"resnet18-imagenet-bgr24-{ResNet18FeatureModel.SourceKey()}.onnx", Path.GetFileName(pooled));
        Assert.Equal($"resnet18-imagenet-bgr24-grid2-{ResNet18FeatureModel.SourceKey()}.onnx", Path.GetFileName(grid));
        using (var session = new InferenceSession(grid))
            Assert.Equal(2048, session.OutputMetadata[ResNet18FeatureModel.OutputName].Dimensions[^1]);
        using (var session = new InferenceSession(pooled))
            Assert.Equal(512, session.OutputMetadata[ResNet18FeatureModel.OutputName].Dimensions[^1]);
    }

    [SkippableFact]
    public void The_int8_grid2_model_quantizes_the_same_trunk_and_stays_close_to_float32_grid2()
    {
        // The calibrated tensors (Conv and Add outputs) are the same in every feature option, so the
        // shipped package's ranges serve a grid2 CNN too; only the pooling after the trunk differs.
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var calibration = CnnCalibration.Load(RepoPaths.DefaultModel)!;
        var slots = RealFrames(Path.Combine(SharedData.ArmGestures, "raise_arms_front", "p2_t1.avi"), [5, 40]);
        var full = Run(CnnFeatures.Grid2, slots);
        float[] quantized;
        using (var extractor = new FeatureExtractor(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Int8, InFlightBatches: 1, Calibration: calibration, Features: CnnFeatures.Grid2), slots.Length))
        {
            Assert.Equal(CnnPrecision.Int8, extractor.Precision);
            for (var i = 0; i < slots.Length; i++)
                slots[i].Span.CopyTo(extractor.InputRow(i));
            quantized = new float[slots.Length * extractor.FeatureSize];
            extractor.Run(slots.Length, quantized);
        }
        Assert.Equal(full.Length, quantized.Length);
        for (var f = 0; f < slots.Length; f++)
        {
            var cosine = CalibrationCheck.Cosine(full.AsSpan(f * 2048, 2048), quantized.AsSpan(f * 2048, 2048));
            Assert.True(cosine > 0.98, $"frame {f}: int8 grid2 features have cosine {cosine} to float32");
            Assert.NotEqual(full.AsSpan(f * 2048, 2048).ToArray(), quantized.AsSpan(f * 2048, 2048).ToArray());
        }
        foreach (var slot in slots)
            slot.Dispose();
    }

    private static float Mean(ReadOnlySpan<float> map, int channel, int rowStart, int rowEnd, int columnStart, int columnEnd)
    {
        double sum = 0;
        for (var r = rowStart; r < rowEnd; r++)
            for (var col = columnStart; col < columnEnd; col++)
                sum += map[channel * Map * Map + r * Map + col];
        return (float)(sum / ((rowEnd - rowStart) * (columnEnd - columnStart)));
    }

    private static float[] Run(CnnFeatures features, FrameSlot[] slots)
    {
        using var extractor = new FeatureExtractor(new CnnOptions(DeviceRequest.Cpu, CpuThreads: 0, InFlightBatches: 1, Features: features), slots.Length);
        for (var i = 0; i < slots.Length; i++)
            slots[i].Span.CopyTo(extractor.InputRow(i));
        var output = new float[slots.Length * extractor.FeatureSize];
        extractor.Run(slots.Length, output);
        return output;
    }

    private static FrameSlot[] RealFrames(string clip, int[] indices)
    {
        var slots = new List<FrameSlot>();
        using var source = new VideoFileSource(clip);
        using var image = new Mat();
        for (var i = 0; source.Read(image, out _) && slots.Count < indices.Length; i++)
        {
            if (!indices.Contains(i))
                continue;
            var slot = new FrameSlot(Side, Side);
            FrameResizer.Resize(image, slot.Mat);
            slots.Add(slot);
        }
        Assert.Equal(indices.Length, slots.Count);
        return [.. slots];
    }
}
