using Serilog;
using StreamLrcn.Models;
using StreamLrcn.Training.Model;

namespace StreamLrcn.Training.Export;

/// <summary>
/// Writes a trained head as a model package through the runtime's own writer
/// (<see cref="ModelPackage.Write"/>), into a staging folder first. Only when ONNX Runtime, running
/// the written head, agrees with the TorchSharp module within the tolerance on random and real
/// inputs does the package replace the target folder's manifest and head; otherwise the staging
/// folder is deleted and <see cref="ExportParityException"/> thrown, so no mismatching package is kept.
/// </summary>
public static class HeadExporter
{
    /// <summary>Exports <paramref name="model"/>'s own weights.</summary>
    public static (ModelPackage Package, ParityReport Parity) Export(GruClassifier model, ModelManifest manifest, string directory,
        IReadOnlyList<float[]> realSequences, double tolerance = ParityCheck.DefaultTolerance) =>
        Export(model, model.ToHeadWeights(), manifest, directory, realSequences, tolerance);

    /// <summary>
    /// Writes <paramref name="weights"/> and checks them against <paramref name="reference"/>; the
    /// two differ only when something went wrong between the module and the file (what the parity check is for).
    /// </summary>
    public static (ModelPackage Package, ParityReport Parity) Export(GruClassifier reference, HeadWeights weights, ModelManifest manifest,
        string directory, IReadOnlyList<float[]> realSequences, double tolerance = ParityCheck.DefaultTolerance)
    {
        var target = Path.GetFullPath(directory);
        var staging = target.TrimEnd(Path.DirectorySeparatorChar) + $".export-{Environment.ProcessId}";
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        ParityReport parity;
        try
        {
            var staged = ModelPackage.Write(staging, manifest, weights);
            parity = ParityCheck.Measure(reference, staged, realSequences);
            if (!(parity.MaxDifference <= tolerance))
                throw new ExportParityException(
                    $"exported head differs from the trained module: max abs difference {parity.MaxDifference:E2} " +
                    $"(logits {parity.MaxLogitDifference:E2}, probabilities {parity.MaxProbabilityDifference:E2}, state {parity.MaxStateDifference:E2}) " +
                    $"over {parity.Cases} inputs, expected at most {tolerance:E0}; no package written to '{target}'");

            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(staging))
                File.Move(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
        var package = ModelPackage.Load(target);
        Log.Information("Wrote model package {Folder}: ONNX Runtime matches TorchSharp within {Difference:E2} over {Cases} inputs ({Steps} steps)",
            target, parity.MaxDifference, parity.Cases, parity.Steps);
        return (package, parity);
    }
}
