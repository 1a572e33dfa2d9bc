using Microsoft.ML.OnnxRuntime;
using Onnx;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Tests.Support;
using StreamLrcn.Calibration;

namespace StreamLrcn.Tests.Inference;

/// <summary>
/// The int8 CNN derived from the float32 one with ranges calibrated on real clips (person 1),
/// checked on clips of the other person: what ONNX Runtime makes of the graph, and how close
/// its features stay to float32.
/// </summary>
public sealed class Int8QuantizerTests : IClassFixture<Int8QuantizerTests.Calibrated>
{
    private readonly Calibrated _calibrated;

    public Int8QuantizerTests(Calibrated calibrated) => _calibrated = calibrated;

    /// <summary>Ranges from every 8th frame of one clip per label, and the int8 model derived from them into a private cache.</summary>
    public sealed class Calibrated : IDisposable
    {
        private readonly TempDirectory _cache = new();

        public Calibrated()
        {
            if (!SharedData.Available)
                return;
            var clips = Directory.GetDirectories(SharedData.ArmGestures).Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "p1_t1.avi")).ToArray();
            using (var calibrator = new ActivationCalibrator())
            {
                foreach (var clip in clips)
                    calibrator.AddClip(clip, frameStride: 8);
                Calibration = new CnnCalibration
                {
                    Cnn = ResNet18FeatureModel.Id,
                    CnnSource = ResNet18FeatureModel.SourceKey(),
                    Method = "min/max per tensor",
                    Frames = calibrator.Frames,
                    Clips = clips,
                    FrameStride = 8,
                    Date = "test",
                    Ranges = calibrator.Ranges(),
                };
            }
            ModelPath = ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, CnnPrecision.Int8, _cache.Path, Calibration);
        }

        public CnnCalibration Calibration { get; } = null!;

        public string ModelPath { get; } = null!;

        public string CachePath => _cache.Path;

        public void Dispose() => _cache.Dispose();
    }

    [SkippableFact]
    public void ONNX_Runtime_runs_every_convolution_of_the_int8_model_as_an_integer_convolution()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var float32 = ResNet18FeatureModel.DeriveFloat32(CnnInputFormat.Bgr24);
        var convolutions = float32.Graph.Node.Count(n => n.OpType == "Conv");
        var additions = float32.Graph.Node.Count(n => n.OpType == "Add");
        Assert.Equal(22, convolutions);
        Assert.Equal(9, additions); // blocks [2,2,2,3], one residual addition each

        var optimized = Path.Combine(_calibrated.CachePath, "optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized })
        using (new InferenceSession(_calibrated.ModelPath, options))
        {
        }
        ModelProto model;
        using (var stream = File.OpenRead(optimized))
            model = ModelProto.Parser.ParseFrom(stream);
        var ops = model.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        var census = string.Join(", ", ops.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"));

        Assert.True(ops.GetValueOrDefault("QLinearConv") == convolutions, $"expected {convolutions} QLinearConv, found: {census}");
        Assert.False(ops.Keys.Any(op => op.Contains("Conv", StringComparison.Ordinal) && op != "QLinearConv"), $"a float convolution is left: {census}");
        Assert.True(ops.GetValueOrDefault("QLinearAdd") == additions, $"expected the {additions} residual additions as QLinearAdd, found: {census}");
        // Between the integer nodes the tensors stay uint8: one Dequantize before the float average pool, none elsewhere.
        Assert.True(ops.GetValueOrDefault("DequantizeLinear") <= 1, $"expected at most one DequantizeLinear, found: {census}");
    }

    [SkippableFact]
    public void Int8_features_of_another_persons_clips_stay_within_cosine_0_99_of_float32()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var full = new ClipFeaturizer(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Float32, InFlightBatches: 1));
        using var quantized = new ClipFeaturizer(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Int8, InFlightBatches: 1, Calibration: _calibrated.Calibration));
        Assert.Equal(CnnPrecision.Int8, quantized.Precision);
        var worst = 1.0;
        var frames = 0;
        var identical = 0;
        foreach (var label in Directory.GetDirectories(SharedData.ArmGestures))
        {
            var clip = Path.Combine(label, "p2_t3.avi");
            var a = full.Featurize(clip, flip: false, out var count);
            var b = quantized.Featurize(clip, flip: false, out _);
            for (var i = 0; i < count; i++)
            {
                var x = a.AsSpan(i * 512, 512);
                var y = b.AsSpan(i * 512, 512);
                worst = Math.Min(worst, CalibrationCheck.Cosine(x, y));
                if (x.SequenceEqual(y))
                    identical++;
            }
            frames += count;
        }
        Assert.True(frames > 150, $"expected the three p2_t3 clips to hold over 150 frames, found {frames}");
        // Identical features would mean the float32 model ran twice and the comparison proves nothing.
        Assert.Equal(0, identical);
        Assert.True(worst >= 0.99, $"worst cosine between int8 and float32 features over {frames} frames: {worst:0.0000}");
    }
}
