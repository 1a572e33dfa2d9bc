using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace StreamLrcn.Inference;

/// <summary>
/// One batch in flight: an input buffer for the largest batch (pinned host memory on CUDA, so the
/// upload is a true asynchronous copy; aligned native memory on CPU) and an output buffer, both
/// allocated once, and for each batch size met so far its tensors and <see cref="OrtIoBinding"/>
/// over those buffers, created at its first run and reused after: a run allocates nothing. Lanes
/// share their extractor's session; each lane is used by one thread at a time. The lane owns its buffers.
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
    private float* _output;
    private readonly BoundBatch?[] _bound;

    internal ExtractionLane(InferenceSession session, int maxBatchSize, int featureSize, ExecutionTarget target, int cudaDevice)
    {
        _session = session;
        MaxBatchSize = maxBatchSize;
        FeatureSize = featureSize;
        var bytes = maxBatchSize * FeatureExtractor.FrameBytes;
        _bound = new BoundBatch?[maxBatchSize + 1];
        _output = (float*)NativeMemory.AlignedAlloc((nuint)(maxBatchSize * featureSize * sizeof(float)), 64);
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

        var bound = _bound[count] ??= Bind(count);
        _session.RunWithBinding(_runOptions, bound.Binding);
        new ReadOnlySpan<float>(_output, count * FeatureSize).CopyTo(features);
    }

    /// <summary>Tensors of <paramref name="count"/> rows over the lane's buffers, bound to the session's input and output.</summary>
    private BoundBatch Bind(int count)
    {
        var input = OrtValue.CreateTensorValueWithData(_inputMemory, TensorElementType.UInt8,
            [count, ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize, 3], (IntPtr)_input, count * FeatureExtractor.FrameBytes);
        var output = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
            [count, FeatureSize], (IntPtr)_output, count * FeatureSize * sizeof(float));
        var binding = _session.CreateIoBinding();
        binding.BindInput(InputName, input);
        binding.BindOutput(OutputName, output);
        return new BoundBatch(input, output, binding);
    }

    /// <summary>Batch sizes this lane has bound so far (each keeps its tensors and binding until the lane is disposed).</summary>
    public int BoundBatchSizes => _bound.Count(b => b is not null);

    private sealed record BoundBatch(OrtValue Input, OrtValue Output, OrtIoBinding Binding) : IDisposable
    {
        public void Dispose()
        {
            Binding.Dispose();
            Input.Dispose();
            Output.Dispose();
        }
    }

    public void Dispose()
    {
        if (_input == null)
            return;
        foreach (var bound in _bound)
            bound?.Dispose();
        NativeMemory.AlignedFree(_output);
        _output = null;
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
