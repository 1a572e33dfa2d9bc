namespace StreamLrcn.Inference;

/// <summary>
/// How the CNN session is set up. The CUDA settings apply only when the CUDA provider loads.
/// </summary>
/// <param name="CpuThreads">Intra-op threads on CPU; 0 for one per core.</param>
/// <param name="CudnnConvAlgoSearch">cuDNN convolution algorithm search: EXHAUSTIVE (best kernels, slower first batch of each shape), HEURISTIC or DEFAULT.</param>
/// <param name="GpuMemoryLimitMegabytes">Cap on ONNX Runtime's GPU memory arena; 0 for no cap.</param>
/// <param name="InFlightBatches">Batches run concurrently, each in its own buffers; 0 picks per device (2 on CUDA so uploads overlap compute, 1 on CPU).</param>
public sealed record CnnOptions(
    DeviceRequest Device,
    CnnPrecision Precision = CnnPrecision.Float32,
    int CpuThreads = 0,
    string CudnnConvAlgoSearch = "EXHAUSTIVE",
    int GpuMemoryLimitMegabytes = 0,
    int InFlightBatches = 0)
{
    public static CnnOptions Cpu { get; } = new(DeviceRequest.Cpu);

    public void Validate()
    {
        if (CpuThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(CpuThreads), CpuThreads, "--threads must be 0 (one per core) or more");
        if (CudnnConvAlgoSearch is not ("EXHAUSTIVE" or "HEURISTIC" or "DEFAULT"))
            throw new ArgumentOutOfRangeException(nameof(CudnnConvAlgoSearch), CudnnConvAlgoSearch, "--cudnn-search must be EXHAUSTIVE, HEURISTIC or DEFAULT");
        if (GpuMemoryLimitMegabytes < 0)
            throw new ArgumentOutOfRangeException(nameof(GpuMemoryLimitMegabytes), GpuMemoryLimitMegabytes, "--gpu-memory-limit must be 0 (no cap) or more megabytes");
        if (InFlightBatches < 0)
            throw new ArgumentOutOfRangeException(nameof(InFlightBatches), InFlightBatches, "--in-flight must be 0 (per device) or more");
    }
}
