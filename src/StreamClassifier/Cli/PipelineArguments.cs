using System.CommandLine;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Temporal;
using StreamLrcn.Validation;

namespace StreamLrcn.Cli;

/// <summary>The options every command that runs the pipeline shares, and their translation into <see cref="PipelineOptions"/>.</summary>
public sealed class PipelineArguments
{
    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "Model package folder (manifest.json + head ONNX).",
        DefaultValueFactory = _ => Path.Combine("models", "default"),
    };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "Where the CNN runs: auto (CUDA if it loads, else CPU), cpu, cuda or cuda:ID.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<int?> Window { get; } = new("--window") { Description = "Frames in the sliding window (default: the model's training window)." };

    public Option<int?> Stride { get; } = new("--stride") { Description = "Emit a window label every this many frames (default: the model's)." };

    public Option<int?> Batch { get; } = new("--batch")
    {
        Description = $"Largest CNN batch; frames of all inputs are batched together (default: {BatchingOptions.Cpu.MaxBatchSize} on CPU, {BatchingOptions.Gpu.MaxBatchSize} on CUDA).",
    };

    public Option<double?> BatchDeadline { get; } = new Option<double?>("--batch-deadline-ms")
    {
        Description = $"Longest a batch waits to fill, in ms (default: {BatchingOptions.Cpu.MaxDelay.TotalMilliseconds} on CPU, {BatchingOptions.Gpu.MaxDelay.TotalMilliseconds} on CUDA).",
    }.Require(ms => ms is >= 0 and < 1e9, "milliseconds from 0 to 1e9");

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads of each CNN batch in flight (0: the cores shared out between them).", DefaultValueFactory = _ => 0 };

    public Option<string> Precision { get; } = new Option<string>("--precision")
    {
        Description = "CNN arithmetic: auto (int8 on a CPU when the model package is calibrated and its int8 check passed, else fp32), " +
            "fp32, fp16 (for GPUs; features within ~1e-3 of fp32) or int8 (CPUs; needs the package's calibration).",
        DefaultValueFactory = _ => CnnPrecisionNames.Auto,
    }.Require(text => CnnPrecisionNames.TryParse(text, out _), CnnPrecisionNames.Choices);

    public Option<string> CudnnSearch { get; } = new("--cudnn-search")
    {
        Description = "cuDNN convolution algorithm search on CUDA: EXHAUSTIVE, HEURISTIC or DEFAULT.",
        DefaultValueFactory = _ => "EXHAUSTIVE",
    };

    public Option<int> GpuMemoryLimit { get; } = new("--gpu-memory-limit") { Description = "Cap on ONNX Runtime's GPU arena in MB (0: none).", DefaultValueFactory = _ => 0 };

    public Option<int> InFlight { get; } = new("--in-flight") { Description = "CNN batches in flight at once (0: 2 on CUDA; on CPU one per core, at most 4).", DefaultValueFactory = _ => 0 };

    /// <summary><c>--overlay-position</c> of the commands that draw the overlay (live, replay --annotate).</summary>
    public static Option<Overlay.OverlayPosition> OverlayPositionOption() => new Option<Overlay.OverlayPosition>("--overlay-position")
    {
        Description = "Edge of the frame the overlay runs along: bottom keeps the upper part (raised hands) clear; top.",
        DefaultValueFactory = _ => Overlay.OverlayPosition.Bottom,
    }.LowercaseChoices();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Device, Window, Stride, Batch, BatchDeadline, Threads, Precision, CudnnSearch, GpuMemoryLimit, InFlight })
            command.Options.Add(option);
    }

    /// <summary>The CNN options asked for; the package gives the int8 calibration.</summary>
    public CnnOptions ToCnnOptions(ParseResult result, ModelPackage package)
    {
        CnnPrecisionNames.TryParse(result.GetValue(Precision), out var precision);
        return new CnnOptions(
            DeviceRequest.Parse(result.GetValue(Device)!),
            precision,
            result.GetValue(Threads),
            result.GetValue(CudnnSearch)!.ToUpperInvariant(),
            result.GetValue(GpuMemoryLimit),
            result.GetValue(InFlight),
            package.Calibration,
            CnnFeatureNames.From(package.Manifest.Cnn));
    }

    /// <summary>The batching the user asked for, or null to let the device decide.</summary>
    public BatchingOptions? ToBatching(ParseResult result)
    {
        var size = result.GetValue(Batch);
        var deadline = result.GetValue(BatchDeadline);
        if (size is null && deadline is null)
            return null;
        return new BatchingOptions(size ?? BatchingOptions.Cpu.MaxBatchSize,
            deadline is { } ms ? TimeSpan.FromMilliseconds(ms) : BatchingOptions.Cpu.MaxDelay);
    }

    public ModelPackage LoadModel(ParseResult result) => ModelPackage.Load(result.GetValue(Model)!);

    public PipelineOptions ToOptions(ParseResult result, ModelPackage package)
    {
        var temporal = new TemporalOptions(
            result.GetValue(Window) ?? package.Manifest.Window,
            result.GetValue(Stride) ?? package.Manifest.Stride,
            TimeSpan.FromSeconds(2));
        var options = new PipelineOptions(ToCnnOptions(result, package), ToBatching(result), temporal);
        Validate(options);
        return options;
    }

    /// <summary>The library's options under the names the command line gives them.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["TemporalOptions.Window"] = "--window",
        ["TemporalOptions.Stride"] = "--stride",
        ["BatchingOptions.MaxBatchSize"] = "--batch",
        ["BatchingOptions.MaxDelay"] = "--batch-deadline-ms",
        ["CnnOptions.CpuThreads"] = "--threads",
        ["CnnOptions.Precision"] = "--precision",
        ["CnnOptions.CudnnConvAlgoSearch"] = "--cudnn-search",
        ["CnnOptions.GpuMemoryLimitMegabytes"] = "--gpu-memory-limit",
        ["CnnOptions.InFlightBatches"] = "--in-flight",
    };

    /// <summary>Validates <paramref name="options"/>; a bad value is reported by the flag that set it.</summary>
    public static void Validate(PipelineOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (InvalidOptionException ex) when (Flags.TryGetValue($"{ex.Record}.{ex.Option}", out var flag))
        {
            throw new ArgumentException(ex.DescribeAs(flag));
        }
    }
}
