namespace StreamLrcn.Temporal;

/// <summary>Reading class probabilities the way every output does.</summary>
public static class Probabilities
{
    /// <summary>Index of the largest value; the first one on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best])
                best = i;
        return best;
    }
}
