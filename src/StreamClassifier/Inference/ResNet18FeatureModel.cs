using System.Security.Cryptography;
using Onnx;
using Serilog;
using StreamLrcn.Models;
using static StreamLrcn.Models.OnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace StreamLrcn.Inference;

/// <summary>
/// Derives the runtime's feature model from the pretrained ResNet18 of NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (copied next to the program at build time):
/// a dynamic batch dimension, the preprocessing (BGR, minus the per-pixel mean image of
/// <c>ResNetPreprocess.onnx</c>) moved into the graph, and the pooled output flattened to [N,512].
/// The result is cached on disk, keyed by the content of the source files and the derivation.
/// </summary>
public static class ResNet18FeatureModel
{
    public const string Id = "resnet18-imagenet";
    public const int InputSize = 224;
    public const int FeatureSize = 512;
    public const string InputName = "image";
    public const string OutputName = "features";

    // Bump when Derive changes, so cached models from an older derivation are not reused.
    private const string DerivationVersion = "1";
    private const string TrunkInput = "Input247";
    private const string TrunkOutput = "Pooling395_Output_0";

    public static string SourceDirectory => Path.Combine(AppContext.BaseDirectory, "cnn");

    public static string SourceModelPath => Path.Combine(SourceDirectory, "ResNet18.onnx");

    public static string SourcePreprocessPath => Path.Combine(SourceDirectory, "ResNetPreprocess.onnx");

    /// <summary>Where derived models are cached: $STREAMLRCN_CACHE, else $XDG_CACHE_HOME/streamlrcn, else ~/.cache/streamlrcn.</summary>
    public static string DefaultCacheDirectory =>
        Environment.GetEnvironmentVariable("STREAMLRCN_CACHE") is { Length: > 0 } explicitCache ? explicitCache
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "streamlrcn");

    /// <summary>Returns the path of the derived model, deriving and caching it on first use.</summary>
    public static string Ensure(CnnInputFormat format, string? cacheDirectory = null)
    {
        foreach (var source in new[] { SourceModelPath, SourcePreprocessPath })
            if (!File.Exists(source))
                throw new ModelPackageException(
                    $"CNN source '{source}' is missing: expected it copied from NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 at build time (run dotnet build)");

        var directory = cacheDirectory ?? DefaultCacheDirectory;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{Id}-{format.ToString().ToLowerInvariant()}-{SourceKey()}.onnx");
        if (File.Exists(path))
            return path;

        Log.Information("Deriving the {Format} feature model from {Source} into {Path}", format, SourceModelPath, path);
        var trunk = ModelProto.Parser.ParseFromFile(SourceModelPath);
        var preprocess = ModelProto.Parser.ParseFromFile(SourcePreprocessPath);
        Save(Derive(trunk, preprocess, format), path);
        return path;
    }

    /// <summary>The per-pixel BGR mean image [3,224,224] subtracted before the trunk.</summary>
    public static float[] ReadMeanImage() =>
        ReadFloats(ModelProto.Parser.ParseFromFile(SourcePreprocessPath).Graph.Initializer.Single(t => t.Name == "MeanImage"));

    public static ModelProto Derive(ModelProto trunk, ModelProto preprocess, CnnInputFormat format)
    {
        var model = trunk.Clone();
        var graph = model.Graph;
        Expect(graph.Input.Count == 1 && graph.Input[0].Name == TrunkInput, $"one input '{TrunkInput}'",
            string.Join(", ", graph.Input.Select(i => i.Name)));
        Expect(graph.Output.Count == 1 && graph.Output[0].Name == TrunkOutput, $"one output '{TrunkOutput}'",
            string.Join(", ", graph.Output.Select(o => o.Name)));

        var mean = preprocess.Graph.Initializer.SingleOrDefault(t => t.Name == "MeanImage")
            ?? throw new ModelPackageException("ResNetPreprocess.onnx: expected an initializer 'MeanImage', found none");
        var meanValues = ReadFloats(mean);
        Expect(meanValues.Length == 3 * InputSize * InputSize, $"a mean image of 3x{InputSize}x{InputSize}", $"{meanValues.Length} values");

        var prologue = new List<NodeProto>();
        graph.Input.Clear();
        if (format == CnnInputFormat.Bgr24)
        {
            // Subtracting in NHWC before the transpose lets the transpose move floats once.
            graph.Initializer.Add(FloatTensor("mean_image_nhwc", ToNhwc(meanValues), 1, InputSize, InputSize, 3));
            graph.Input.Add(Value(InputName, DataType.Uint8, "batch", InputSize, InputSize, 3));
            prologue.Add(Node("Cast", [InputName], ["image_float"], Int("to", (long)DataType.Float)));
            prologue.Add(Node("Sub", ["image_float", "mean_image_nhwc"], ["image_centred"]));
            prologue.Add(Node("Transpose", ["image_centred"], [TrunkInput], Ints("perm", 0, 3, 1, 2)));
        }
        else
        {
            graph.Initializer.Add(FloatTensor("mean_image", meanValues, 1, 3, InputSize, InputSize));
            graph.Input.Add(Value(InputName, DataType.Float, "batch", 3, InputSize, InputSize));
            prologue.Add(Node("Sub", [InputName, "mean_image"], [TrunkInput]));
        }
        for (var i = prologue.Count - 1; i >= 0; i--)
            graph.Node.Insert(0, prologue[i]);

        graph.Node.Add(Node("Flatten", [TrunkOutput], [OutputName], Int("axis", 1)));
        graph.Output.Clear();
        graph.Output.Add(Value(OutputName, DataType.Float, "batch", FeatureSize));
        // The intermediate shapes CNTK recorded all say batch 1; ONNX Runtime infers them again.
        graph.ValueInfo.Clear();
        model.ProducerName = "StreamLrcn (derived from CNTK ResNet18)";
        return model;
    }

    private static float[] ToNhwc(float[] chw)
    {
        const int plane = InputSize * InputSize;
        var hwc = new float[chw.Length];
        for (var c = 0; c < 3; c++)
            for (var p = 0; p < plane; p++)
                hwc[p * 3 + c] = chw[c * plane + p];
        return hwc;
    }

    private static string SourceKey()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(DerivationVersion));
        foreach (var file in new[] { SourceModelPath, SourcePreprocessPath })
            hash.AppendData(File.ReadAllBytes(file));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    private static void Expect(bool condition, string expected, string found)
    {
        if (!condition)
            throw new ModelPackageException($"ResNet18 source model: expected {expected}, found {found}");
    }
}
