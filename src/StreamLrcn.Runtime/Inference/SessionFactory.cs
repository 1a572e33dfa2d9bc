using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.Extensions.Logging;
using StreamLrcn.Diagnostics;

namespace StreamLrcn.Inference;

/// <summary>Creates ONNX Runtime sessions on the requested device, falling back from CUDA to CPU for <c>auto</c>.</summary>
public static class SessionFactory
{
    /// <summary>What the ONNX Runtime 1.31 GPU package's CUDA provider is built against.</summary>
    public const string CudaRequirement = "CUDA 13 and cuDNN 9";

    /// <summary>
    /// Creates a session for <paramref name="modelPath"/>. With <see cref="DeviceKind.Auto"/> a CUDA
    /// provider that cannot load (no GPU, no CUDA 13 / cuDNN 9) is logged with its reason and the
    /// CPU runs the model; with <see cref="DeviceKind.Cuda"/> the same failure is an error.
    /// </summary>
    public static InferenceSession Create(string modelPath, CnnOptions cnn, out ExecutionTarget target, ILogger? logger = null) =>
        Create(_ => modelPath, cnn, out target, out _, logger);

    /// <summary>
    /// Creates a session for the model of the precision that suits the device it lands on
    /// (<see cref="CnnOptions.GpuPrecision"/> on CUDA, <see cref="CnnOptions.CpuPrecision"/> on the
    /// CPU): <paramref name="modelFor"/> is asked only for the one that is used, once the device is
    /// known, so an <c>auto</c> run that falls back to the CPU builds no GPU-precision session first.
    /// </summary>
    public static InferenceSession Create(Func<CnnPrecision, string> modelFor, CnnOptions cnn, out ExecutionTarget target, out CnnPrecision precision, ILogger? logger = null)
    {
        var log = logger ?? RuntimeLog.For(typeof(SessionFactory));
        cnn.Validate();
        if (cnn.Device.Kind != DeviceKind.Cpu)
        {
            var options = BaseOptions(cnn.CpuThreads);
            // ONNX Runtime prints its own error for a provider library that does not load; the
            // reason is logged below in one line instead.
            options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                using (var cuda = new OrtCUDAProviderOptions())
                {
                    var settings = new Dictionary<string, string>
                    {
                        ["device_id"] = cnn.Device.CudaDeviceId.ToString(CultureInfo.InvariantCulture),
                        ["cudnn_conv_algo_search"] = cnn.CudnnConvAlgoSearch,
                        // Grow the arena by what is asked, not by powers of two: fixed batch shapes need no slack.
                        ["arena_extend_strategy"] = "kSameAsRequested",
                    };
                    if (cnn.GpuMemoryLimitMegabytes > 0)
                        settings["gpu_mem_limit"] = ((long)cnn.GpuMemoryLimitMegabytes << 20).ToString(CultureInfo.InvariantCulture);
                    cuda.UpdateOptions(settings);
                    options.AppendExecutionProvider_CUDA(cuda);
                }
                precision = cnn.GpuPrecision;
                var session = new InferenceSession(modelFor(precision), options);
                target = new ExecutionTarget(true, $"CUDA (device {cnn.Device.CudaDeviceId})");
                log.LogInformation("CNN runs on {Provider}: cuDNN search {Search}, GPU arena cap {Cap}, {Precision}",
                    target.Description, cnn.CudnnConvAlgoSearch, cnn.GpuMemoryLimitMegabytes > 0 ? $"{cnn.GpuMemoryLimitMegabytes} MB" : "none", precision);
                return session;
            }
            catch (OnnxRuntimeException ex)
            {
                options.Dispose();
                var reason = FirstLine(ex.Message);
                if (cnn.Device.Kind == DeviceKind.Cuda)
                    throw new DeviceUnavailableException(
                        $"device {cnn.Device} was requested but ONNX Runtime's CUDA provider could not start: {reason}. " +
                        $"It needs an NVIDIA GPU with {CudaRequirement} libraries on the library path; use --device cpu or auto to run on the CPU", ex);
                log.LogWarning("CUDA is not available ({Reason}; the CUDA provider needs {Requirement}); the CNN runs on the CPU", reason, CudaRequirement);
            }
        }

        precision = cnn.CpuPrecision;
        var cpu = new InferenceSession(modelFor(precision), BaseOptions(cnn.CpuThreadsPerLane));
        target = new ExecutionTarget(false, "CPU");
        log.LogInformation("CNN runs on {Provider}: {Lanes} batch(es) in flight, {Threads} thread(s) each, {Precision}", target.Description,
            cnn.CpuLanes, cnn.CpuThreadsPerLane, precision);
        return cpu;
    }

    private static SessionOptions BaseOptions(int cpuThreads)
    {
        var o = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = cpuThreads > 0 ? cpuThreads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        // Idle intra-op threads sleep instead of spinning, leaving the cores to decoding and
        // resizing between the CNN's parallel steps (2 cores, H.264 replay: ratio 0.85 → 0.87).
        o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return o;
    }

    /// <summary>The useful part of ONNX Runtime's message: the loader's own error where there is one (a missing library).</summary>
    private static string FirstLine(string message)
    {
        const string marker = "with error: ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        var line = (at >= 0 ? message[(at + marker.Length)..] : message).Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
