using System.CommandLine;
using Serilog;
using StreamLrcn.Inference;
using StreamLrcn.Models;

namespace StreamLrcn.Cli;

/// <summary><c>model init</c> writes a package with random head weights; <c>model check</c> validates a package.</summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to write the package into.", Required = true };
        var labels = new Option<string>("--labels") { Description = "Comma-separated class names.", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "GRU hidden size.", DefaultValueFactory = _ => 128 };
        var layers = new Option<int>("--layers") { Description = "GRU layers.", DefaultValueFactory = _ => 1 };
        var window = new Option<int>("--window") { Description = "Sliding-window length.", DefaultValueFactory = _ => 16 };
        var stride = new Option<int>("--stride") { Description = "Sliding-window stride.", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => 1 };
        var init = new Command("init", "Write a model package whose head has random (untrained) weights, for trying the pipeline before training.")
        {
            output, labels, hidden, layers, window, stride, seed,
        };
        init.SetAction(result =>
        {
            var names = result.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, result.GetValue(hidden), result.GetValue(layers), names.Length, result.GetValue(seed));
            var manifest = new ModelManifest
            {
                Name = Path.GetFileName(Path.GetFullPath(result.GetValue(output)!).TrimEnd('/')),
                Description = "Untrained placeholder: random head weights, labels are not meaningful.",
                Trained = false,
                Labels = names,
                Cnn = new CnnSpec { Model = ResNet18FeatureModel.Id, FeatureSize = ResNet18FeatureModel.FeatureSize },
                Head = new HeadSpec { File = "head.onnx", HiddenSize = weights.HiddenSize, Layers = weights.Layers.Count },
                Window = result.GetValue(window),
                Stride = result.GetValue(stride),
            };
            try
            {
                var package = ModelPackage.Write(result.GetValue(output)!, manifest, weights);
                Log.Information("Wrote untrained model package {Folder} with labels {Labels}", package.Directory, package.Labels);
                return ExitCodes.Success;
            }
            catch (ModelPackageException ex)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InvalidSetup;
            }
        });

        var folder = new Argument<string>("folder") { Description = "Model package folder." };
        var check = new Command("check", "Validate a model package against its manifest.") { folder };
        check.SetAction(result =>
        {
            try
            {
                var package = ModelPackage.Load(result.GetValue(folder)!);
                Console.WriteLine($"{package.Directory}: ok ({package.Labels.Count} labels: {string.Join(", ", package.Labels)}; window {package.Manifest.Window}, stride {package.Manifest.Stride})");
                return ExitCodes.Success;
            }
            catch (ModelPackageException ex)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InvalidSetup;
            }
        });

        return new Command("model", "Create or check model packages.") { init, check };
    }
}
