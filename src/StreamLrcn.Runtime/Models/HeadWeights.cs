namespace StreamLrcn.Models;

/// <summary>
/// Everything needed to write a head: an optional dense layer (<see cref="Dense"/>), a stack of GRU
/// layers and a linear classifier (<c>ClassifierWeight</c> [C, H] row-major, <c>ClassifierBias</c> [C]),
/// as the trainer holds them.
/// </summary>
public sealed record HeadWeights(int FeatureSize, int HiddenSize, IReadOnlyList<GruLayerWeights> Layers, float[] ClassifierWeight, float[] ClassifierBias)
{
    public int ClassCount => ClassifierBias.Length;

    /// <summary>Dense + ReLU applied to the features before the GRU; null: the GRU reads the features.</summary>
    public DenseLayerWeights? Dense { get; init; }

    /// <summary>What the first GRU layer reads per step: the dense layer's size, else the features.</summary>
    public int GruInputSize => Dense?.Size ?? FeatureSize;

    /// <summary>Throws <see cref="ModelPackageException"/> when any array has the wrong length.</summary>
    public void Validate()
    {
        Expect(FeatureSize > 0 && HiddenSize > 0 && Layers.Count > 0, "feature size, hidden size and layer count must be positive",
            $"{FeatureSize}, {HiddenSize}, {Layers.Count}");
        if (Dense is { } dense)
            Expect(dense.Size > 0 && dense.Weight.Length == dense.Size * FeatureSize, $"dense weights of {dense.Size}x{FeatureSize}", $"{dense.Weight.Length} values");
        var h3 = 3 * HiddenSize;
        for (var l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            var input = l == 0 ? GruInputSize : HiddenSize;
            Expect(layer.InputWeights.Length == h3 * input, $"layer {l} input weights of {h3}x{input}", $"{layer.InputWeights.Length} values");
            Expect(layer.RecurrentWeights.Length == h3 * HiddenSize, $"layer {l} recurrent weights of {h3}x{HiddenSize}", $"{layer.RecurrentWeights.Length} values");
            Expect(layer.InputBias.Length == h3, $"layer {l} input bias of {h3}", $"{layer.InputBias.Length} values");
            Expect(layer.RecurrentBias.Length == h3, $"layer {l} recurrent bias of {h3}", $"{layer.RecurrentBias.Length} values");
        }
        Expect(ClassCount > 0 && ClassifierWeight.Length == ClassCount * HiddenSize,
            $"classifier weights of {ClassCount}x{HiddenSize}", $"{ClassifierWeight.Length} values");
    }

    /// <summary>Random weights (uniform ±1/sqrt(H), as PyTorch initialises a GRU) for placeholder packages and tests.</summary>
    public static HeadWeights Random(int featureSize, int hiddenSize, int layers, int classes, int seed)
    {
        var random = new Random(seed);
        var bound = 1 / MathF.Sqrt(hiddenSize);
        float[] Uniform(int n)
        {
            var values = new float[n];
            for (var i = 0; i < n; i++)
                values[i] = (float)(random.NextDouble() * 2 - 1) * bound;
            return values;
        }
        var stack = Enumerable.Range(0, layers)
            .Select(l => new GruLayerWeights(Uniform(3 * hiddenSize * (l == 0 ? featureSize : hiddenSize)),
                Uniform(3 * hiddenSize * hiddenSize), Uniform(3 * hiddenSize), Uniform(3 * hiddenSize)))
            .ToArray();
        return new HeadWeights(featureSize, hiddenSize, stack, Uniform(classes * hiddenSize), Uniform(classes));
    }

    private static void Expect(bool condition, string expected, string found)
    {
        if (!condition)
            throw new ModelPackageException($"head weights: expected {expected}, found {found}");
    }
}
