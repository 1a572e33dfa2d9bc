using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace StreamLrcn.Inference;

/// <summary>
/// One batch in flight: an input buffer for the largest batch, allocated once (pinned host memory
/// on CUDA, so the upload is a true asynchronous copy; aligned native memory on CPU), bound to the
/// session through an <see cref="OrtIoBinding"/> for each run. Lanes share their extractor's
/// session; each lane is used by one thread at a time. The lane owns its buffer.
/// </summary>
public sealed unsafe class ExtractionLane : IDisposable
{
    private static readonly string InputName = ResNet18FeatureModel.InputName;
    private static readonly string OutputName = ResNet18FeatureModel.OutputName;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtMemoryInfo _inputMemory;
    private readonly OrtAllocator? _pinnedAllocator;
    private readonly OrtMemoryAllocation? _pinned;
    private byte* _input;

    internal ExtractionLane(InferenceSession session, int maxBatchSize, int featureSize, ExecutionTarget target, int cudaDevice)
    {
        _session = session;
        MaxBatchSize = maxBatchSize;
        FeatureSize = featureSize;
        var bytes = maxBatchSize * FeatureExtractor.FrameBytes;
        if (target.IsGpu)
        {
            _inputMemory = new OrtMemoryInfo("CudaPinned", OrtAllocatorType.DeviceAllocator, cudaDevice, OrtMemType.CpuOutput);
            _pinnedAllocator = new OrtAllocator(session, _inputMemory);
            _pinned = _pinnedAllocator.Allocate((uint)bytes);
            _input = (byte*)_pinned.DangerousGetHandle();
        }
        else
        {
            _inputMemory = OrtMemoryInfo.DefaultInstance;
            _input = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        }
    }

    public int MaxBatchSize { get; }

    public int FeatureSize { get; }

    /// <summary>Row <paramref name="index"/> of the input buffer, where a caller places one resized frame.</summary>
    public Span<byte> InputRow(int index)
    {
        if ((uint)index >= (uint)MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"row must be below the batch size {MaxBatchSize}");
        return new Span<byte>(_input + (long)index * FeatureExtractor.FrameBytes, FeatureExtractor.FrameBytes);
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
            using var inputValue = OrtValue.CreateTensorValueWithData(_inputMemory, TensorElementType.UInt8,
                inputShape, (IntPtr)_input, count * FeatureExtractor.FrameBytes);
            using var outputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                outputShape, (IntPtr)output, count * FeatureSize * sizeof(float));
            using var binding = _session.CreateIoBinding();
            binding.BindInput(InputName, inputValue);
            binding.BindOutput(OutputName, outputValue);
            _session.RunWithBinding(_runOptions, binding);
        }
    }

    public void Dispose()
    {
        if (_input == null)
            return;
        if (_pinned is not null)
        {
            _pinned.Dispose();
            _pinnedAllocator!.Dispose();
            _inputMemory.Dispose();
        }
        else
        {
            NativeMemory.AlignedFree(_input);
        }
        _input = null;
        _runOptions.Dispose();
    }
}
