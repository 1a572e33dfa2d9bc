using System.Runtime.InteropServices;
using StreamLrcn.Models;
using StreamLrcn.Validation;

namespace StreamLrcn.Inference;

/// <summary>
/// How the CNN session is set up. The CUDA settings apply only when the CUDA provider loads.
/// </summary>
/// <param name="CpuThreads">Intra-op threads of each in-flight batch on CPU; 0 for the cores shared out between them.</param>
/// <param name="CudnnConvAlgoSearch">cuDNN convolution algorithm search: EXHAUSTIVE (best kernels, slower first batch of each shape), HEURISTIC or DEFAULT.</param>
/// <param name="GpuMemoryLimitMegabytes">Cap on ONNX Runtime's GPU memory arena; 0 for no cap.</param>
/// <param name="InFlightBatches">Batches run concurrently, each in its own buffers; 0 picks per device (2 on CUDA so uploads overlap compute; on CPU one per core, at most 4).</param>
/// <param name="Calibration">The model package's activation ranges: required for <see cref="CnnPrecision.Int8"/>; with a
/// precision of null (the default), int8 runs on the CPU when these ranges passed their check, float32 otherwise.</param>
/// <param name="Features">What the CNN gives per row: the model package's <c>cnn.features</c> (pooled unless it says otherwise).</param>
public sealed record CnnOptions(
    DeviceRequest Device,
    CnnPrecision? Precision = CnnPrecision.Float32,
    int CpuThreads = 0,
    string CudnnConvAlgoSearch = "EXHAUSTIVE",
    int GpuMemoryLimitMegabytes = 0,
    int InFlightBatches = 0,
    CnnCalibration? Calibration = null,
    CnnFeatures Features = CnnFeatures.Pooled)
{
    public static CnnOptions Cpu { get; } = new(DeviceRequest.Cpu);

    /// <summary>
    /// Batches in flight on CPU. Several single-threaded runs side by side beat one run spread over
    /// all cores: a run's threads meet at the end of every layer, so when decoding preempts one of
    /// them the others wait; independent runs just carry on (2 cores, H.264 replay: 76 → 82 fps
    /// end to end, session alone 87 → 92 fps).
    /// </summary>
    public int CpuLanes => InFlightBatches > 0 ? InFlightBatches : Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Intra-op threads of each CPU run: the cores shared out between the batches in flight, unless given.</summary>
    public int CpuThreadsPerLane => CpuThreads > 0 ? CpuThreads : Math.Max(1, Environment.ProcessorCount / CpuLanes);

    /// <summary>The precision on a CPU: as asked, else int8 when the calibration passed its check, else float32.</summary>
    public CnnPrecision CpuPrecision => Precision ?? (Calibration is { Check.Passed: true } ? CnnPrecision.Int8 : CnnPrecision.Float32);

    /// <summary>
    /// FFmpeg threads for each video file that feeds this CNN (<see cref="Capture.VideoFileSource"/>).
    /// One when the CNN runs on the CPU: it keeps every core busy, and a decoder's frame threads
    /// then only add hand-offs (2 cores, 640x480 H.264: 1.41 ms of CPU a frame with one thread
    /// against 1.95 ms with FFmpeg's two, at the same decoding rate). 0, FFmpeg's own choice of
    /// one per core, when a GPU may run it (<c>cuda</c>, or <c>auto</c> where an NVIDIA driver is
    /// installed): there one file's decoding is what limits the frame rate.
    /// </summary>
    public int DecoderThreadsPerFile => Device.Kind == DeviceKind.Cpu || (Device.Kind == DeviceKind.Auto && !NvidiaDriver.Value) ? 1 : 0;

    private static readonly Lazy<bool> NvidiaDriver = new(() =>
    {
        if (!NativeLibrary.TryLoad(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1", out var driver))
            return false;
        NativeLibrary.Free(driver);
        return true;
    });

    /// <summary>The precision on a GPU: as asked, else float32 (int8 is for CPUs: a GPU found by <c>auto</c> runs float32).</summary>
    public CnnPrecision GpuPrecision => Precision is null or CnnPrecision.Int8 ? CnnPrecision.Float32 : Precision.Value;

    public void Validate()
    {
        if (Precision == CnnPrecision.Int8 && Calibration is null)
            throw new ModelPackageException(
                $"precision int8 needs the model package's activation ranges: expected {CnnCalibration.FileName} in the package, found none. " +
                "Compute them with: StreamClassifier model calibrate PACKAGE DATA");
        if (Precision == CnnPrecision.Int8 && Device.Kind == DeviceKind.Cuda)
            throw new InvalidOptionException(nameof(CnnOptions), nameof(Precision), "fp32 or fp16 on CUDA (int8 is for the CPU's integer kernels)", "int8");
        InvalidOptionException.ThrowUnless<CnnOptions>(CpuThreads >= 0, nameof(CpuThreads), "0 (the cores shared out between the batches in flight) or more", CpuThreads);
        InvalidOptionException.ThrowUnless<CnnOptions>(CudnnConvAlgoSearch is "EXHAUSTIVE" or "HEURISTIC" or "DEFAULT", nameof(CudnnConvAlgoSearch),
            "EXHAUSTIVE, HEURISTIC or DEFAULT", CudnnConvAlgoSearch);
        InvalidOptionException.ThrowUnless<CnnOptions>(GpuMemoryLimitMegabytes >= 0, nameof(GpuMemoryLimitMegabytes), "0 (no cap) or more megabytes", GpuMemoryLimitMegabytes);
        InvalidOptionException.ThrowUnless<CnnOptions>(InFlightBatches >= 0, nameof(InFlightBatches), "0 (per device) or more", InFlightBatches);
    }
}
