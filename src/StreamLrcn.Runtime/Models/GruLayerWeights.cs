namespace StreamLrcn.Models;

/// <summary>
/// Weights of one GRU layer in PyTorch's layout and gate order (r, z, n), row-major:
/// <c>InputWeights</c> [3H, In], <c>RecurrentWeights</c> [3H, H], <c>InputBias</c> and
/// <c>RecurrentBias</c> [3H]. The candidate gate applies the reset gate after the recurrent
/// matrix product (PyTorch's definition; ONNX <c>linear_before_reset=1</c>).
/// </summary>
public sealed record GruLayerWeights(float[] InputWeights, float[] RecurrentWeights, float[] InputBias, float[] RecurrentBias)
{
    public int InputSize(int hiddenSize) => InputWeights.Length / (3 * hiddenSize);
}
