using Microsoft.ML.OnnxRuntime;
using Serilog;

namespace StreamLrcn.Inference;

/// <summary>Creates ONNX Runtime sessions on the requested device, falling back from CUDA to CPU for <c>auto</c>.</summary>
public static class SessionFactory
{
    /// <summary>
    /// Creates a session for <paramref name="modelPath"/>. With <see cref="DeviceKind.Auto"/> a CUDA
    /// provider that cannot load (no GPU, no CUDA 13 / cuDNN 9) is logged with its reason and the
    /// CPU runs the model; with <see cref="DeviceKind.Cuda"/> the same failure is an error.
    /// </summary>
    /// <param name="cpuThreads">Intra-op threads on CPU; 0 for one per core.</param>
    public static InferenceSession Create(string modelPath, DeviceRequest device, int cpuThreads, out string provider)
    {
        if (device.Kind != DeviceKind.Cpu)
        {
            var options = BaseOptions(cpuThreads);
            // ONNX Runtime prints its own error for a provider library that does not load; the
            // reason is logged below in one line instead.
            options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                options.AppendExecutionProvider_CUDA(device.CudaDeviceId);
                var session = new InferenceSession(modelPath, options);
                provider = $"CUDA (device {device.CudaDeviceId})";
                Log.Information("CNN runs on {Provider}", provider);
                return session;
            }
            catch (OnnxRuntimeException ex)
            {
                options.Dispose();
                var reason = FirstLine(ex.Message);
                if (device.Kind == DeviceKind.Cuda)
                    throw new DeviceUnavailableException(
                        $"device {device} was requested but ONNX Runtime's CUDA provider could not start: {reason}. " +
                        "It needs an NVIDIA GPU with CUDA 13 and cuDNN 9 libraries on the library path; use --device cpu or auto to run on the CPU", ex);
                Log.Warning("CUDA is not available ({Reason}); the CNN runs on the CPU", reason);
            }
        }

        var cpu = new InferenceSession(modelPath, BaseOptions(cpuThreads));
        provider = "CPU";
        Log.Information("CNN runs on {Provider} with {Threads} threads", provider, cpuThreads > 0 ? cpuThreads : Environment.ProcessorCount);
        return cpu;
    }

    private static SessionOptions BaseOptions(int cpuThreads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = cpuThreads > 0 ? cpuThreads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        return options;
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
