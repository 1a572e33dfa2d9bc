using System.CommandLine;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Temporal;

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

    public Option<int> Batch { get; } = new("--batch")
    {
        Description = "Largest CNN batch; frames of all inputs are batched together.",
        DefaultValueFactory = _ => BatchingOptions.Cpu.MaxBatchSize,
    };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads for the CNN (0: one per core).", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Device, Window, Stride, Batch, Threads })
            command.Options.Add(option);
    }

    public ModelPackage LoadModel(ParseResult result) => ModelPackage.Load(result.GetValue(Model)!);

    public PipelineOptions ToOptions(ParseResult result, ModelPackage package)
    {
        var temporal = new TemporalOptions(
            result.GetValue(Window) ?? package.Manifest.Window,
            result.GetValue(Stride) ?? package.Manifest.Stride,
            TimeSpan.FromSeconds(2));
        var options = new PipelineOptions(
            DeviceRequest.Parse(result.GetValue(Device)!),
            BatchingOptions.Cpu with { MaxBatchSize = result.GetValue(Batch) },
            temporal,
            result.GetValue(Threads));
        options.Validate();
        return options;
    }
}
