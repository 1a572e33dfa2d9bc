using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// The CNN: one long-lived ONNX Runtime session over the derived ResNet18 (uint8 BGR input,
/// preprocessing in the graph) and one native input buffer for the largest batch, reused for
/// every batch. Not thread-safe: one caller at a time (the feature stage, or a benchmark).
/// </summary>
public sealed unsafe class FeatureExtractor : IDisposable
{
    private static readonly string[] InputNames = [ResNet18FeatureModel.InputName];
    private static readonly string[] OutputNames = [ResNet18FeatureModel.OutputName];
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private byte* _input;

    public FeatureExtractor(DeviceRequest device, int maxBatchSize, int cpuThreads = 0, string? modelPath = null)
    {
        MaxBatchSize = maxBatchSize;
        _session = SessionFactory.Create(modelPath ?? ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24), device, cpuThreads, out var provider);
        Provider = provider;
        Check();
        _input = (byte*)NativeMemory.AlignedAlloc((nuint)(maxBatchSize * FrameBytes), 64);
    }

    public const int FrameBytes = ResNet18FeatureModel.InputSize * ResNet18FeatureModel.InputSize * 3;

    public int FeatureSize => ResNet18FeatureModel.FeatureSize;

    public int MaxBatchSize { get; }

    /// <summary>The execution provider the session runs on, for logs and benchmark reports.</summary>
    public string Provider { get; }

    /// <summary>Row <paramref name="index"/> of the input buffer, where a caller places one resized frame.</summary>
    public Span<byte> InputRow(int index)
    {
        if ((uint)index >= (uint)MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"row must be below the batch size {MaxBatchSize}");
        return new Span<byte>(_input + (long)index * FrameBytes, FrameBytes);
    }

    /// <summary>Runs the first <paramref name="count"/> input rows and writes [count, 512] features into <paramref name="features"/>.</summary>
    public void Run(int count, Span<float> features)
    {
        if (count < 1 || count > MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"batch must hold 1..{MaxBatchSize} frames");
        if (features.Length < count * FeatureSize)
            throw new ArgumentException($"feature buffer holds {features.Length} values, {count * FeatureSize} needed", nameof(features));

        long[] inputShape = [count, ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize, 3];
        long[] outputShape = [count, FeatureSize];
        fixed (float* output = features)
        {
            using var inputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.UInt8,
                inputShape, (IntPtr)_input, count * FrameBytes);
            using var outputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                outputShape, (IntPtr)output, count * FeatureSize * sizeof(float));
            _session.Run(_runOptions, InputNames, [inputValue], OutputNames, [outputValue]);
        }
    }

    private void Check()
    {
        if (!_session.InputMetadata.TryGetValue(ResNet18FeatureModel.InputName, out var input) || input.ElementDataType != TensorElementType.UInt8)
            throw new ModelPackageException($"CNN model: expected a uint8 input '{ResNet18FeatureModel.InputName}', found {string.Join(", ", _session.InputMetadata.Keys)}");
        if (!_session.OutputMetadata.TryGetValue(ResNet18FeatureModel.OutputName, out var output) || output.Dimensions[^1] != FeatureSize)
            throw new ModelPackageException($"CNN model: expected an output '{ResNet18FeatureModel.OutputName}' of {FeatureSize} features, found {string.Join(", ", _session.OutputMetadata.Keys)}");
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
        if (_input != null)
        {
            NativeMemory.AlignedFree(_input);
            _input = null;
        }
    }
}
