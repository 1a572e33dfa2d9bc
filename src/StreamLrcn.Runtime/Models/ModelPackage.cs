using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace StreamLrcn.Models;

/// <summary>
/// A model folder: <c>manifest.json</c> and the head's ONNX file. <see cref="Load"/> checks
/// everything a run depends on before any frame is read, and <see cref="Write"/> is the only way
/// packages are written, so a package the runtime cannot load is never produced.
/// </summary>
public sealed class ModelPackage
{
    public const string ManifestFileName = "manifest.json";

    private ModelPackage(string directory, ModelManifest manifest, CnnCalibration? calibration)
    {
        Directory = directory;
        Manifest = manifest;
        Calibration = calibration;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public string HeadPath => Path.Combine(Directory, Manifest.Head.File);

    public IReadOnlyList<string> Labels => Manifest.Labels;

    /// <summary>The activation ranges of the int8 CNN (<see cref="CnnCalibration.FileName"/>); null when the package has none.</summary>
    public CnnCalibration? Calibration { get; }

    /// <summary>Whether <paramref name="directory"/> holds a package (its manifest), which a writer must not replace unasked.</summary>
    public static bool ExistsIn(string directory) => File.Exists(Path.Combine(directory, ManifestFileName));

    /// <summary>Reads and validates a package; throws <see cref="ModelPackageException"/> saying what was expected and found.</summary>
    public static ModelPackage Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new ModelPackageException($"model folder '{directory}' does not exist: expected a folder with {ManifestFileName} and the head ONNX file");
        var manifestPath = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new ModelPackageException($"model folder '{directory}' has no {ManifestFileName}");

        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(manifestPath), ModelManifest.JsonOptions)
                ?? throw new ModelPackageException($"{manifestPath}: expected a JSON object, found null");
        }
        catch (JsonException ex)
        {
            throw new ModelPackageException($"{manifestPath} is not a valid manifest: {ex.Message}", ex);
        }

        var package = new ModelPackage(directory, manifest, CnnCalibration.Load(directory));
        package.Validate(manifestPath);
        return package;
    }

    /// <summary>
    /// Writes <paramref name="manifest"/> and a head built from <paramref name="weights"/> into
    /// <paramref name="directory"/>, then loads the result back: a package that fails validation
    /// is removed and the error thrown.
    /// </summary>
    public static ModelPackage Write(string directory, ModelManifest manifest, HeadWeights weights)
    {
        weights.Validate();
        var rows = manifest.Cnn.Streams?.Count ?? 1;
        if (rows < 1 || weights.FeatureSize % rows != 0)
            throw new ModelPackageException($"the head takes {weights.FeatureSize} features, which the manifest's {rows} CNN stream(s) cannot split evenly");
        var consistent = manifest with
        {
            Cnn = manifest.Cnn with { FeatureSize = weights.FeatureSize / rows },
            Head = manifest.Head with { HiddenSize = weights.HiddenSize, Layers = weights.Layers.Count },
        };
        if (consistent.Labels.Count != weights.ClassCount)
            throw new ModelPackageException($"manifest lists {consistent.Labels.Count} labels but the head has {weights.ClassCount} outputs");

        System.IO.Directory.CreateDirectory(directory);
        // A calibration's check was made through the previous head: it does not vouch for this one.
        File.Delete(Path.Combine(directory, CnnCalibration.FileName));
        HeadModelWriter.Write(weights, Path.Combine(directory, consistent.Head.File));
        var manifestPath = Path.Combine(directory, ManifestFileName);
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(consistent, ModelManifest.JsonOptions) + "\n");
        try
        {
            return Load(directory);
        }
        catch (ModelPackageException)
        {
            File.Delete(manifestPath);
            throw;
        }
    }

    private void Validate(string manifestPath)
    {
        var m = Manifest;
        Expect(m.Format == ModelManifest.FormatName, "format", $"'{ModelManifest.FormatName}'", $"'{m.Format}'");
        Expect(m.FormatVersion == ModelManifest.CurrentFormatVersion, "formatVersion", $"{ModelManifest.CurrentFormatVersion}", $"{m.FormatVersion}");
        Expect(m.Labels.Count >= 2, "labels", "at least 2 labels", $"{m.Labels.Count}");
        Expect(m.Labels.All(l => !string.IsNullOrWhiteSpace(l)), "labels", "non-empty names", "an empty name");
        Expect(m.Labels.Distinct(StringComparer.Ordinal).Count() == m.Labels.Count, "labels", "unique names",
            string.Join(", ", m.Labels.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => $"'{g.Key}' twice")));
        if (m.Thresholds is { } thresholds)
        {
            // Frames below every threshold are "none": a label of that name can only be the background class, last, which they then join.
            var noneAt = m.Labels.ToList().IndexOf(Temporal.LabelThresholds.NoneName);
            Expect(noneAt < 0 || noneAt == m.Labels.Count - 1, "labels",
                $"'{Temporal.LabelThresholds.NoneName}' only as the last label (a background class) in a package with thresholds", $"'{Temporal.LabelThresholds.NoneName}' at position {noneAt + 1} of {m.Labels.Count}");
            foreach (var label in m.Labels)
                Expect(thresholds.ContainsKey(label), "thresholds", $"a threshold for every label", $"none for '{label}'");
            foreach (var (label, value) in thresholds)
            {
                Expect(m.Labels.Contains(label), "thresholds", "only the package's labels", $"'{label}'");
                Expect(value is >= 0 and <= 1, $"thresholds.{label}", "a probability from 0 to 1", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        Expect(m.Window >= 1, "window", "at least 1", $"{m.Window}");
        Expect(m.Stride >= 1, "stride", "at least 1", $"{m.Stride}");
        Expect(m.Cnn.Model == SupportedCnn.Id, "cnn.model", $"'{SupportedCnn.Id}'", $"'{m.Cnn.Model}'");
        CnnFeatures features;
        try
        {
            features = CnnFeatureNames.From(m.Cnn);
            CnnStreams.From(m.Cnn);
        }
        catch (ModelPackageException ex)
        {
            throw new ModelPackageException($"{manifestPath}: {ex.Message}", ex);
        }
        Expect(m.Cnn.FeatureSize == CnnFeatureNames.SizeOf(features), "cnn.featureSize",
            $"{CnnFeatureNames.SizeOf(features)} (what {m.Cnn.Model} emits as {CnnFeatureNames.Name(features)} features)", $"{m.Cnn.FeatureSize}");
        Expect(m.Head.HiddenSize >= 1, "head.hiddenSize", "at least 1", $"{m.Head.HiddenSize}");
        Expect(m.Head.Layers >= 1, "head.layers", "at least 1", $"{m.Head.Layers}");
        Expect(File.Exists(HeadPath), "head.file", $"a file '{HeadPath}'", "none");

        InferenceSession session;
        try
        {
            session = new InferenceSession(HeadPath);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelPackageException($"{HeadPath}: expected an ONNX model ONNX Runtime can load, found: {ex.Message.Split('\n')[0]}", ex);
        }
        using (session)
        {
            var h = m.Head;
            CheckTensor(session.InputMetadata, h.FeaturesInput, "input", [-1, -1, m.Cnn.HeadFeatureSize]);
            CheckTensor(session.InputMetadata, h.StateInput, "input", [h.Layers, -1, h.HiddenSize]);
            CheckTensor(session.OutputMetadata, h.ProbabilitiesOutput, "output", [-1, -1, m.Labels.Count]);
            CheckTensor(session.OutputMetadata, h.StateOutput, "output", [h.Layers, -1, h.HiddenSize]);
        }

        void Expect(bool condition, string field, string expected, string found)
        {
            if (!condition)
                throw new ModelPackageException($"{manifestPath}: field '{field}' expected {expected}, found {found}");
        }
    }

    /// <summary>Checks that a head tensor exists with the given dimensions (-1: any, symbolic allowed).</summary>
    private void CheckTensor(IReadOnlyDictionary<string, NodeMetadata> tensors, string name, string kind, int[] expected)
    {
        if (!tensors.TryGetValue(name, out var metadata))
            throw new ModelPackageException(
                $"{HeadPath}: expected an {kind} '{name}' as the manifest says, found {kind}s {string.Join(", ", tensors.Keys.Select(k => $"'{k}'"))}");
        var dims = metadata.Dimensions;
        var matches = metadata.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float
            && dims.Length == expected.Length
            && dims.Zip(expected).All(p => p.Second < 0 || p.First == p.Second);
        if (!matches)
            throw new ModelPackageException(
                $"{HeadPath}: {kind} '{name}' expected float [{Describe(expected)}], found {metadata.ElementDataType} [{Describe(dims)}] " +
                "(the head does not match its manifest)");
    }

    private static string Describe(IEnumerable<int> dims) => string.Join(",", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
