using Onnx;
using static StreamLrcn.Models.OnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace StreamLrcn.Models;

/// <summary>
/// Writes the recurrent head as ONNX from weight arrays. The graph, opset 11:
/// <code>
/// features [T,B,F] ─▶ (MatMul + b ─▶ Relu, when the head has a dense layer) ─▶ GRU ─▶ Squeeze ─▶ … (one GRU per layer) ─▶ MatMul(Wᵀ) + b ─▶ logits [T,B,C] ─▶ Softmax ─▶ probabilities
/// h0 [L,B,H] ─▶ Split per layer ─▶ initial_h of each GRU;  final states ─▶ Concat ─▶ hn [L,B,H]
/// </code>
/// Gate order: <see cref="HeadWeights"/> holds PyTorch's (r, z, n); ONNX's GRU wants (z, r, h),
/// so the writer swaps the first two blocks of H rows, and sets <c>linear_before_reset=1</c> so
/// that the candidate gate is r ⊙ (R_h·h + Rb_h), PyTorch's definition. The classifier is
/// MatMul + Add rather than Gemm because Gemm takes only 2-D inputs and the head keeps [T,B,·].
/// </summary>
public static class HeadModelWriter
{
    public const string FeaturesInput = "features";
    public const string StateInput = "h0";
    public const string LogitsOutput = "logits";
    public const string ProbabilitiesOutput = "probabilities";
    public const string StateOutput = "hn";
    public const int Opset = 11;

    public static ModelProto Build(HeadWeights weights)
    {
        weights.Validate();
        int h = weights.HiddenSize, layers = weights.Layers.Count, classes = weights.ClassCount;
        var graph = new GraphProto { Name = "streamlrcn_head" };
        graph.Input.Add(Value(FeaturesInput, DataType.Float, "time", "batch", weights.FeatureSize));
        graph.Input.Add(Value(StateInput, DataType.Float, layers, "batch", h));

        var initialStates = Enumerable.Range(0, layers).Select(l => layers == 1 ? StateInput : $"h0_{l}").ToArray();
        if (layers > 1)
            graph.Node.Add(Node("Split", [StateInput], initialStates, Int("axis", 0), Ints("split", Enumerable.Repeat(1L, layers).ToArray())));

        var x = FeaturesInput;
        if (weights.Dense is { } dense)
        {
            graph.Initializer.Add(FloatTensor("dense_weight_t", Transpose(dense.Weight, dense.Size, weights.FeatureSize), weights.FeatureSize, dense.Size));
            graph.Initializer.Add(FloatTensor("dense_bias", dense.Bias, dense.Size));
            graph.Node.Add(Node("MatMul", [x, "dense_weight_t"], ["dense_scores"]));
            graph.Node.Add(Node("Add", ["dense_scores", "dense_bias"], ["dense_sum"]));
            graph.Node.Add(Node("Relu", ["dense_sum"], ["dense"]));
            x = "dense";
        }
        var finalStates = new string[layers];
        for (var l = 0; l < layers; l++)
        {
            var layer = weights.Layers[l];
            var inputSize = l == 0 ? weights.GruInputSize : h;
            graph.Initializer.Add(FloatTensor($"W_{l}", ToOnnxGateOrder(layer.InputWeights, h, inputSize), 1, 3 * h, inputSize));
            graph.Initializer.Add(FloatTensor($"R_{l}", ToOnnxGateOrder(layer.RecurrentWeights, h, h), 1, 3 * h, h));
            var bias = ToOnnxGateOrder(layer.InputBias, h, 1).Concat(ToOnnxGateOrder(layer.RecurrentBias, h, 1)).ToArray();
            graph.Initializer.Add(FloatTensor($"B_{l}", bias, 1, 6 * h));
            finalStates[l] = layers == 1 ? StateOutput : $"hn_{l}";
            graph.Node.Add(Node("GRU", [x, $"W_{l}", $"R_{l}", $"B_{l}", "", initialStates[l]], [$"Y_{l}", finalStates[l]],
                Int("hidden_size", h), Int("linear_before_reset", 1)));
            graph.Node.Add(Node("Squeeze", [$"Y_{l}"], [$"y_{l}"], Ints("axes", 1)));
            x = $"y_{l}";
        }
        if (layers > 1)
            graph.Node.Add(Node("Concat", finalStates, [StateOutput], Int("axis", 0)));

        graph.Initializer.Add(FloatTensor("classifier_weight_t", Transpose(weights.ClassifierWeight, classes, h), h, classes));
        graph.Initializer.Add(FloatTensor("classifier_bias", weights.ClassifierBias, classes));
        graph.Node.Add(Node("MatMul", [x, "classifier_weight_t"], ["scores"]));
        graph.Node.Add(Node("Add", ["scores", "classifier_bias"], [LogitsOutput]));
        graph.Node.Add(Node("Softmax", [LogitsOutput], [ProbabilitiesOutput], Int("axis", 2)));

        graph.Output.Add(Value(LogitsOutput, DataType.Float, "time", "batch", classes));
        graph.Output.Add(Value(ProbabilitiesOutput, DataType.Float, "time", "batch", classes));
        graph.Output.Add(Value(StateOutput, DataType.Float, layers, "batch", h));

        var model = new ModelProto { IrVersion = 6, ProducerName = "StreamLrcn", ProducerVersion = "1", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    public static void Write(HeadWeights weights, string path) => Save(Build(weights), path);

    /// <summary>Reorders the three gate blocks of a [3H, cols] matrix from PyTorch (r,z,n) to ONNX (z,r,h).</summary>
    private static float[] ToOnnxGateOrder(float[] rzn, int hidden, int cols)
    {
        var block = hidden * cols;
        var zrh = new float[rzn.Length];
        rzn.AsSpan(block, block).CopyTo(zrh.AsSpan(0, block));
        rzn.AsSpan(0, block).CopyTo(zrh.AsSpan(block, block));
        rzn.AsSpan(2 * block, block).CopyTo(zrh.AsSpan(2 * block, block));
        return zrh;
    }

    private static float[] Transpose(float[] matrix, int rows, int cols)
    {
        var result = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                result[c * rows + r] = matrix[r * cols + c];
        return result;
    }
}
