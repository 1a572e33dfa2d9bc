using Google.Protobuf;
using Onnx;
using StreamLrcn.Models;
using static StreamLrcn.Models.OnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace StreamLrcn.Inference;

/// <summary>
/// Static QDQ quantization of the derived CNN, in the form ONNX Runtime's CPU provider turns into
/// QLinearConv, QLinearAdd and a uint8 MaxPool:
/// <list type="bullet">
/// <item>BatchNormalization folded into the convolutions first; opset 13 / IR 7 for per-channel DequantizeLinear;</item>
/// <item>weights int8 (7-bit range, see <see cref="WeightLevels"/>), symmetric, one scale per output channel (axis 0); bias int32 with scale = input scale × weight scale;</item>
/// <item>activations uint8 per tensor from calibrated min/max, a Quantize/Dequantize pair on the trunk's input and on the
/// output of every Conv and Add, taken after a following Relu, which ONNX Runtime then folds into the quantization
/// (a zero point of 0 clamps like the Relu);</item>
/// <item>MaxPool with the scale of its input on its output; the final average pool and flatten stay in float.</item>
/// </list>
/// Quantizing only the Conv inputs is not enough: ONNX Runtime then converts about half of the
/// convolutions and spends the gain on the Dequantize and Transpose nodes left between them.
/// </summary>
public static class Int8Quantizer
{
    /// <summary>Bump when <see cref="Quantize"/> changes, so cached int8 models from an older quantizer are not reused.</summary>
    public const string Version = "2";

    // 7-bit weights (±63): on AVX2 without VNNI, ONNX Runtime multiplies uint8 by int8 with
    // vpmaddubsw, which saturates the sum of two products at int16 (255·127·2 > 32767). With
    // ±127 the worst feature cosine to float32 on the arm-gesture clips was 0.940 there; with
    // ±63 the sums cannot saturate and it stays above 0.99.
    private const int WeightLevels = 63;

    /// <summary>
    /// The float tensors whose ranges the quantizer needs, in graph order: the trunk's input and the
    /// (post-Relu) outputs of every Conv and Add of a model with batch normalization folded.
    /// </summary>
    public static IReadOnlyList<string> ActivationTensors(GraphProto graph)
    {
        var points = new List<string> { ResNet18FeatureModel.TrunkInput };
        foreach (var node in graph.Node.Where(n => n.OpType is "Conv" or "Add"))
        {
            var output = node.Output[0];
            var consumers = graph.Node.Where(n => n.Input.Contains(output)).ToList();
            points.Add(consumers is [{ OpType: "Relu" } relu] ? relu.Output[0] : output);
        }
        return points;
    }

    /// <summary>A copy of <paramref name="model"/> that also outputs every tensor of <see cref="ActivationTensors"/>, for calibration.</summary>
    public static ModelProto WithActivationOutputs(ModelProto model)
    {
        var copy = model.Clone();
        ResNet18FeatureModel.FoldBatchNormalization(copy.Graph);
        foreach (var name in ActivationTensors(copy.Graph))
            copy.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float } },
            });
        return copy;
    }

    /// <summary>Quantizes the float model <paramref name="model"/> in place with the activation ranges of <paramref name="ranges"/>.</summary>
    /// <exception cref="ModelPackageException">A tensor the quantizer needs has no range.</exception>
    public static void Quantize(ModelProto model, IReadOnlyDictionary<string, TensorRange> ranges)
    {
        var graph = model.Graph;
        ResNet18FeatureModel.FoldBatchNormalization(graph);
        model.IrVersion = 7;
        model.OpsetImport.Clear();
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });

        var points = ActivationTensors(graph);
        var missing = points.Where(p => !ranges.ContainsKey(p)).ToArray();
        if (missing.Length > 0)
            throw new ModelPackageException(
                $"CNN calibration: expected ranges for the {points.Count} activation tensors of {ResNet18FeatureModel.Id}, found none for " +
                $"{string.Join(", ", missing.Take(5))}{(missing.Length > 5 ? $" and {missing.Length - 5} more" : "")} (calibrated for another CNN derivation? run model calibrate again)");

        var parameters = points.ToDictionary(p => p, p => ActivationParameters.From(ranges[p]));
        // MaxPool keeps its input's scale: it only picks values, so ONNX Runtime runs it on uint8 directly.
        foreach (var pool in graph.Node.Where(n => n.OpType == "MaxPool").ToList())
            if (parameters.TryGetValue(pool.Input[0], out var input))
                parameters[pool.Output[0]] = input;

        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv").ToList())
            QuantizeWeights(graph, conv, initializers, parameters[conv.Input[0]].Scale);
        foreach (var (tensor, activation) in parameters)
            InsertQuantizePair(graph, tensor, activation);

        var used = graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var unused in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
            graph.Initializer.Remove(unused);
    }

    /// <summary>uint8 scale and zero point covering [min, max] and 0 (so that zero padding is exact).</summary>
    private readonly record struct ActivationParameters(float Scale, byte ZeroPoint)
    {
        public static ActivationParameters From(TensorRange range)
        {
            var min = Math.Min(range.Min, 0f);
            var max = Math.Max(range.Max, 0f);
            var scale = max > min ? (max - min) / 255f : 1f;
            return new ActivationParameters(scale, (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255));
        }
    }

    /// <summary>Replaces every reader of <paramref name="tensor"/> with a Quantize → Dequantize pair of its own.</summary>
    private static void InsertQuantizePair(GraphProto graph, string tensor, ActivationParameters activation)
    {
        var readers = graph.Node.Where(n => n.Input.Contains(tensor)).ToList();
        if (readers.Count == 0)
            return;
        var scale = $"{tensor}_scale";
        var zeroPoint = $"{tensor}_zero_point";
        graph.Initializer.Add(FloatTensor(scale, [activation.Scale]));
        graph.Initializer.Add(new TensorProto { Name = zeroPoint, DataType = (int)DataType.Uint8, RawData = ByteString.CopyFrom(activation.ZeroPoint) });
        var quantized = $"{tensor}_quantized";
        var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(tensor));
        var at = producer is null ? 0 : graph.Node.IndexOf(producer) + 1;
        graph.Node.Insert(at, Node("QuantizeLinear", [tensor, scale, zeroPoint], [quantized]));
        // One Dequantize per reader: ONNX Runtime fuses a Dequantize into the node that reads it.
        for (var r = 0; r < readers.Count; r++)
        {
            var dequantized = $"{tensor}_dequantized_{r}";
            graph.Node.Insert(graph.Node.IndexOf(readers[r]), Node("DequantizeLinear", [quantized, scale, zeroPoint], [dequantized]));
            for (var i = 0; i < readers[r].Input.Count; i++)
                if (readers[r].Input[i] == tensor)
                    readers[r].Input[i] = dequantized;
        }
    }

    /// <summary>Per-output-channel int8 weights and an int32 bias, each behind a DequantizeLinear on axis 0.</summary>
    private static void QuantizeWeights(GraphProto graph, NodeProto conv, Dictionary<string, TensorProto> initializers, float inputScale)
    {
        var weightTensor = initializers[conv.Input[1]];
        var weights = ReadFloats(weightTensor);
        var channels = (int)weightTensor.Dims[0];
        var perChannel = weights.Length / channels;
        var bias = conv.Input.Count > 2 ? ReadFloats(initializers[conv.Input[2]]) : new float[channels];
        var weightScales = new float[channels];
        var biasScales = new float[channels];
        var quantized = new sbyte[weights.Length];
        var quantizedBias = new int[channels];
        for (var c = 0; c < channels; c++)
        {
            var largest = 0f;
            for (var k = 0; k < perChannel; k++)
                largest = Math.Max(largest, Math.Abs(weights[c * perChannel + k]));
            weightScales[c] = largest > 0 ? largest / WeightLevels : 1f;
            for (var k = 0; k < perChannel; k++)
                quantized[c * perChannel + k] = (sbyte)Math.Clamp(MathF.Round(weights[c * perChannel + k] / weightScales[c]), -WeightLevels, WeightLevels);
            biasScales[c] = inputScale * weightScales[c];
            quantizedBias[c] = (int)Math.Clamp(Math.Round((double)bias[c] / biasScales[c]), int.MinValue, int.MaxValue);
        }

        var name = conv.Input[1];
        var weightInt8 = new TensorProto { Name = $"{name}_int8", DataType = (int)DataType.Int8, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(quantized.AsSpan())) };
        weightInt8.Dims.AddRange(weightTensor.Dims);
        var weightZero = new TensorProto { Name = $"{name}_int8_zero_point", DataType = (int)DataType.Int8, RawData = ByteString.CopyFrom(new byte[channels]) };
        weightZero.Dims.Add(channels);
        var biasInt32 = new TensorProto { Name = $"{name}_bias_int32", DataType = (int)DataType.Int32, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(quantizedBias.AsSpan())) };
        biasInt32.Dims.Add(channels);
        var biasZero = new TensorProto { Name = $"{name}_bias_int32_zero_point", DataType = (int)DataType.Int32, RawData = ByteString.CopyFrom(new byte[channels * sizeof(int)]) };
        biasZero.Dims.Add(channels);
        graph.Initializer.Add(weightInt8);
        graph.Initializer.Add(weightZero);
        graph.Initializer.Add(FloatTensor($"{name}_int8_scale", weightScales, channels));
        graph.Initializer.Add(biasInt32);
        graph.Initializer.Add(biasZero);
        graph.Initializer.Add(FloatTensor($"{name}_bias_int32_scale", biasScales, channels));

        var at = graph.Node.IndexOf(conv);
        graph.Node.Insert(at, Node("DequantizeLinear", [weightInt8.Name, $"{name}_int8_scale", weightZero.Name], [$"{name}_dequantized"], Int("axis", 0)));
        graph.Node.Insert(at, Node("DequantizeLinear", [biasInt32.Name, $"{name}_bias_int32_scale", biasZero.Name], [$"{name}_bias_dequantized"], Int("axis", 0)));
        conv.Input[1] = $"{name}_dequantized";
        if (conv.Input.Count > 2)
            conv.Input[2] = $"{name}_bias_dequantized";
        else
            conv.Input.Add($"{name}_bias_dequantized");
    }
}
