namespace StreamLrcn.Models;

/// <summary>
/// A fully connected layer with a ReLU between the CNN features and the GRU (the seed recipe's
/// Dense after Flatten): <c>Weight</c> [Size, input] row-major, <c>Bias</c> [Size].
/// </summary>
public sealed record DenseLayerWeights(float[] Weight, float[] Bias)
{
    public int Size => Bias.Length;
}
