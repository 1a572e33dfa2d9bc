using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace StreamLrcn.Inference;

/// <summary>
/// A block of host memory the CNN reads or writes: pinned memory from the CUDA allocator when the
/// session runs on a GPU (so uploads are true asynchronous copies), 64-byte aligned native memory
/// otherwise. <see cref="MemoryInfo"/> tells ONNX Runtime which one it is.
/// </summary>
internal sealed unsafe class HostBuffer : IDisposable
{
    private readonly OrtAllocator? _allocator;
    private readonly OrtMemoryAllocation? _pinned;
    private readonly bool _ownsMemoryInfo;

    public HostBuffer(InferenceSession? session, bool pinned, int cudaDevice, long bytes)
    {
        Bytes = bytes;
        if (pinned)
        {
            MemoryInfo = new OrtMemoryInfo("CudaPinned", OrtAllocatorType.DeviceAllocator, cudaDevice, OrtMemType.CpuOutput);
            _ownsMemoryInfo = true;
            _allocator = new OrtAllocator(session ?? throw new ArgumentNullException(nameof(session), "pinned memory comes from a CUDA session's allocator"), MemoryInfo);
            _pinned = _allocator.Allocate((uint)bytes);
            Pointer = (byte*)_pinned.DangerousGetHandle();
        }
        else
        {
            MemoryInfo = OrtMemoryInfo.DefaultInstance;
            Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        }
    }

    public byte* Pointer { get; private set; }

    public long Bytes { get; }

    public OrtMemoryInfo MemoryInfo { get; }

    public void Dispose()
    {
        if (Pointer == null)
            return;
        if (_pinned is not null)
        {
            _pinned.Dispose();
            _allocator!.Dispose();
        }
        else
        {
            NativeMemory.AlignedFree(Pointer);
        }
        if (_ownsMemoryInfo)
            MemoryInfo.Dispose();
        Pointer = null;
    }
}
