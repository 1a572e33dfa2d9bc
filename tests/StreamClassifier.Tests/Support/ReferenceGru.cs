using StreamLrcn.Models;

namespace StreamLrcn.Tests.Support;

/// <summary>
/// A plain C# (dense + ReLU, when the head has one) GRU + linear + softmax, written from PyTorch's
/// equations (gates r, z, n; the reset gate applied after the recurrent product), independent of the ONNX writer.
/// </summary>
public static class ReferenceGru
{
    /// <summary>Runs <paramref name="steps"/> frames of features from <paramref name="state"/> ([layers*H], updated in place); returns probabilities [steps, C].</summary>
    public static float[][] Run(HeadWeights w, float[] features, int steps, double[] state)
    {
        var h = w.HiddenSize;
        var result = new float[steps][];
        for (var t = 0; t < steps; t++)
        {
            var x = features.AsSpan(t * w.FeatureSize, w.FeatureSize).ToArray().Select(v => (double)v).ToArray();
            if (w.Dense is { } dense)
            {
                var projected = new double[dense.Size];
                for (var d = 0; d < dense.Size; d++)
                {
                    double projection = dense.Bias[d];
                    for (var f = 0; f < w.FeatureSize; f++)
                        projection += dense.Weight[d * w.FeatureSize + f] * x[f];
                    projected[d] = Math.Max(0, projection);
                }
                x = projected;
            }
            for (var l = 0; l < w.Layers.Count; l++)
            {
                var layer = w.Layers[l];
                var input = x.Length;
                var previous = state.AsSpan(l * h, h).ToArray();
                var next = new double[h];
                for (var j = 0; j < h; j++)
                {
                    double Dot(float[] matrix, int row, double[] vector, int cols)
                    {
                        double sum = 0;
                        for (var c = 0; c < cols; c++)
                            sum += matrix[row * cols + c] * vector[c];
                        return sum;
                    }
                    var r = Sigmoid(Dot(layer.InputWeights, j, x, input) + layer.InputBias[j] + Dot(layer.RecurrentWeights, j, previous, h) + layer.RecurrentBias[j]);
                    var z = Sigmoid(Dot(layer.InputWeights, h + j, x, input) + layer.InputBias[h + j] + Dot(layer.RecurrentWeights, h + j, previous, h) + layer.RecurrentBias[h + j]);
                    var n = Math.Tanh(Dot(layer.InputWeights, 2 * h + j, x, input) + layer.InputBias[2 * h + j]
                        + r * (Dot(layer.RecurrentWeights, 2 * h + j, previous, h) + layer.RecurrentBias[2 * h + j]));
                    next[j] = (1 - z) * n + z * previous[j];
                }
                next.CopyTo(state.AsSpan(l * h, h));
                x = next;
            }

            var logits = new double[w.ClassCount];
            for (var c = 0; c < w.ClassCount; c++)
            {
                logits[c] = w.ClassifierBias[c];
                for (var j = 0; j < h; j++)
                    logits[c] += w.ClassifierWeight[c * h + j] * x[j];
            }
            var max = logits.Max();
            var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
            var sum = exp.Sum();
            result[t] = exp.Select(v => (float)(v / sum)).ToArray();
        }
        return result;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
