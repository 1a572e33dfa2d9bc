using System.Security.Cryptography;
using Onnx;
using Microsoft.Extensions.Logging;
using StreamLrcn.Diagnostics;
using StreamLrcn.Models;
using static StreamLrcn.Models.OnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace StreamLrcn.Inference;

/// <summary>
/// Derives the runtime's feature model from the pretrained ResNet18 of NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (copied next to the program at build time):
/// a dynamic batch dimension, the preprocessing (BGR, minus the per-pixel mean image of
/// <c>ResNetPreprocess.onnx</c>) moved into the graph, and the pooled output flattened to [N,512]
/// (or, for <see cref="CnnFeatures.Grid2"/> and <see cref="CnnFeatures.Flatten"/>, the last feature
/// map pooled to 2x2 or kept whole, [N,2048] or [N,25088]). The result is cached on disk, keyed by
/// the content of the source files, the derivation and the features.
/// </summary>
public static class ResNet18FeatureModel
{
    public const string Id = SupportedCnn.Id;
    public const int InputSize = 224;
    public const int FeatureSize = SupportedCnn.FeatureSize;
    public const string InputName = "image";
    public const string OutputName = "features";

    // Bump when Derive changes, so cached models from an older derivation are not reused.
    private const string DerivationVersion = "2";
    internal const string TrunkInput = "Input247";
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
    public static string Ensure(CnnInputFormat format, string? cacheDirectory = null) => Ensure(format, CnnPrecision.Float32, cacheDirectory);

    /// <summary>Returns the path of the derived model in the given precision, deriving and caching it on first use.</summary>
    /// <param name="calibration">Activation ranges; required for <see cref="CnnPrecision.Int8"/>, ignored otherwise.</param>
    /// <param name="features">What the model outputs per row. The int8 form of every option quantizes the same trunk
    /// (the calibrated Conv and Add outputs are the same tensors); the pooling and flattening after it stay float.</param>
    public static string Ensure(CnnInputFormat format, CnnPrecision precision, string? cacheDirectory = null, CnnCalibration? calibration = null, ILogger? logger = null,
        CnnFeatures features = CnnFeatures.Pooled)
    {
        foreach (var source in new[] { SourceModelPath, SourcePreprocessPath })
            if (!File.Exists(source))
                throw new ModelPackageException(
                    $"CNN source '{source}' is missing: expected it copied from NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 at build time (run dotnet build)");
        if (precision == CnnPrecision.Int8 && calibration is null)
            throw new ModelPackageException(
                $"the int8 CNN needs activation ranges: expected a {CnnCalibration.FileName} in the model package, found none (run StreamClassifier model calibrate PACKAGE DATA)");

        var directory = cacheDirectory ?? DefaultCacheDirectory;
        Directory.CreateDirectory(directory);
        var variant = precision switch
        {
            CnnPrecision.Float16 => "-fp16",
            CnnPrecision.Int8 => $"-int8-q{Int8Quantizer.Version}-{calibration!.Key()}",
            _ => "",
        };
        // Pooled models keep the file names they always had (the trainer's feature cache keys on them).
        var output = features == CnnFeatures.Pooled ? "" : "-" + CnnFeatureNames.Name(features);
        var path = Path.Combine(directory, $"{Id}-{format.ToString().ToLowerInvariant()}{output}{variant}-{SourceKey()}.onnx");
        if (File.Exists(path))
            return path;

        (logger ?? RuntimeLog.For(typeof(ResNet18FeatureModel))).LogInformation("Deriving the {Format} {Precision} {Features} feature model from {Source} into {Path}",
            format, precision, CnnFeatureNames.Name(features), SourceModelPath, path);
        var derived = DeriveFloat32(format, features);
        if (precision == CnnPrecision.Float16)
            ConvertTrunkToFloat16(derived);
        else if (precision == CnnPrecision.Int8)
            Int8Quantizer.Quantize(derived, calibration!.Ranges);
        Save(derived, path);
        return path;
    }

    /// <summary>The float32 feature model, not cached: the starting point of the other precisions and of calibration.</summary>
    public static ModelProto DeriveFloat32(CnnInputFormat format, CnnFeatures features = CnnFeatures.Pooled) =>
        Derive(Read(SourceModelPath), Read(SourcePreprocessPath), format, features);

    /// <summary>Identifies the source files and the derivation, so a calibration can say which CNN it was computed for.</summary>
    public static string SourceKey() => CachedSourceKey.Value;

    /// <summary>The per-pixel BGR mean image [3,224,224] subtracted before the trunk.</summary>
    public static float[] ReadMeanImage() =>
        ReadFloats(Read(SourcePreprocessPath).Graph.Initializer.Single(t => t.Name == "MeanImage"));

    public static ModelProto Derive(ModelProto trunk, ModelProto preprocess, CnnInputFormat format, CnnFeatures features = CnnFeatures.Pooled)
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

        var pooled = TrunkOutput;
        if (features != CnnFeatures.Pooled)
        {
            // The trunk's global average pooling reads the last feature map [N,512,7,7]; the map
            // itself (flatten) or a 2x2 pooling of it (grid2) replaces it as the output.
            var globalPool = graph.Node.Single(n => n.Output.Contains(TrunkOutput));
            var map = globalPool.Input[0];
            graph.Node.Remove(globalPool);
            pooled = map;
            if (features == CnnFeatures.Grid2)
            {
                // Kernel 4, stride 3 over 7 gives cells 0-3 and 3-6: adaptive average pooling to 2x2.
                pooled = "grid2_map";
                graph.Node.Add(Node("AveragePool", [map], [pooled], Ints("kernel_shape", 4, 4), Ints("strides", 3, 3)));
            }
        }
        graph.Node.Add(Node("Flatten", [pooled], [OutputName], Int("axis", 1)));
        graph.Output.Clear();
        graph.Output.Add(Value(OutputName, DataType.Float, "batch", CnnFeatureNames.SizeOf(features)));
        // The intermediate shapes CNTK recorded all say batch 1; ONNX Runtime infers them again.
        graph.ValueInfo.Clear();
        model.ProducerName = "StreamLrcn (derived from CNTK ResNet18)";
        return model;
    }

    /// <summary>
    /// Converts the trunk's weights to float16 and computes the trunk in float16, keeping the
    /// model's input (and the mean subtraction) and its float32 output: a Cast to float16 where
    /// the trunk starts and a Cast back to float32 before the output.
    /// </summary>
    public static void ConvertTrunkToFloat16(ModelProto model)
    {
        var graph = model.Graph;
        // Batch-norm statistics (variances near 1e-3, an epsilon of 1e-5) lose most of their
        // digits in float16; folded into the convolutions in float32 first, they cost nothing.
        FoldBatchNormalization(graph);
        var prologueInitializers = new HashSet<string> { "mean_image", "mean_image_nhwc" };
        foreach (var tensor in graph.Initializer.Where(t => !prologueInitializers.Contains(t.Name) && t.DataType == (int)DataType.Float))
        {
            var values = ReadFloats(tensor);
            var halves = new ushort[values.Length];
            for (var i = 0; i < values.Length; i++)
                halves[i] = BitConverter.HalfToUInt16Bits((Half)values[i]);
            tensor.FloatData.Clear();
            tensor.DataType = (int)DataType.Float16;
            tensor.RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves.AsSpan()));
        }

        // The prologue now writes a float32 tensor that a Cast turns into the trunk's float16 input.
        foreach (var node in graph.Node.Where(n => n.Output.Contains(TrunkInput)))
            node.Output[node.Output.IndexOf(TrunkInput)] = TrunkInput + "_float32";
        var firstTrunkNode = graph.Node.IndexOf(graph.Node.First(n => n.Input.Contains(TrunkInput)));
        graph.Node.Insert(firstTrunkNode, Node("Cast", [TrunkInput + "_float32"], [TrunkInput], Int("to", (long)DataType.Float16)));

        var flatten = graph.Node.Single(n => n.Output.Contains(OutputName));
        flatten.Output[0] = OutputName + "_float16";
        graph.Node.Add(Node("Cast", [OutputName + "_float16"], [OutputName], Int("to", (long)DataType.Float)));
    }

    /// <summary>Folds every BatchNormalization that follows a Conv into that Conv's weights and bias.</summary>
    internal static void FoldBatchNormalization(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            var conv = graph.Node.SingleOrDefault(n => n.OpType == "Conv" && n.Output[0] == bn.Input[0]);
            if (conv is null || graph.Node.Count(n => n.Input.Contains(conv.Output[0])) != 1)
                continue;
            var epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            var scale = ReadFloats(initializers[bn.Input[1]]);
            var shift = ReadFloats(initializers[bn.Input[2]]);
            var mean = ReadFloats(initializers[bn.Input[3]]);
            var variance = ReadFloats(initializers[bn.Input[4]]);
            var weightTensor = initializers[conv.Input[1]];
            var weights = ReadFloats(weightTensor);
            var channels = scale.Length;
            var perChannel = weights.Length / channels;
            var bias = conv.Input.Count > 2 ? ReadFloats(initializers[conv.Input[2]]) : new float[channels];
            for (var c = 0; c < channels; c++)
            {
                var factor = scale[c] / MathF.Sqrt(variance[c] + epsilon);
                for (var k = 0; k < perChannel; k++)
                    weights[c * perChannel + k] *= factor;
                bias[c] = (bias[c] - mean[c]) * factor + shift[c];
            }
            var foldedWeights = FloatTensor(conv.Input[1] + "_folded", weights, weightTensor.Dims.ToArray());
            var foldedBias = FloatTensor(conv.Input[1] + "_folded_bias", bias, channels);
            graph.Initializer.Add(foldedWeights);
            graph.Initializer.Add(foldedBias);
            conv.Input[1] = foldedWeights.Name;
            if (conv.Input.Count > 2)
                conv.Input[2] = foldedBias.Name;
            else
                conv.Input.Add(foldedBias.Name);
            conv.Output[0] = bn.Output[0];
            graph.Node.Remove(bn);
        }
        // Drop initializers nothing reads any more (the unfolded weights and the statistics).
        var used = graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var unused in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
            graph.Initializer.Remove(unused);
    }

    /// <summary>
    /// Parses a model opened for shared reading. (OnnxSharp's ParseFromFile opens files exclusively,
    /// which made another process starting at the same moment fail to read the same source model.)
    /// </summary>
    private static ModelProto Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ModelProto.Parser.ParseFrom(stream);
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

    // The source files do not change while a process runs; hashing 45 MB once is enough.
    private static readonly Lazy<string> CachedSourceKey = new(ComputeSourceKey);

    private static string ComputeSourceKey()
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
