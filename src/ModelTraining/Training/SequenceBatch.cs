using static TorchSharp.torch;

namespace StreamLrcn.Training.Training;

/// <summary>
/// Sequences of different lengths padded into one time-major batch: features [T, B, F], a mask
/// [T, B] that is 1 on real steps and 0 on padding, the last real step of each sequence [B] and
/// the labels [B]. Padding is at the end, so a left-to-right GRU never sees it before a real step.
/// The tensors belong to the batch; dispose it (or let the enclosing DisposeScope do it).
/// </summary>
public sealed class SequenceBatch : IDisposable
{
    public SequenceBatch(IReadOnlyList<TrainingSample> samples, int featureSize)
    {
        var steps = samples.Max(s => s.Length);
        var count = samples.Count;
        var values = new float[(long)steps * count * featureSize];
        var mask = new float[steps * count];
        var last = new long[count];
        var labels = new long[count];
        for (var b = 0; b < count; b++)
        {
            var sample = samples[b];
            for (var t = 0; t < sample.Length; t++)
            {
                sample.Features.AsSpan(t * featureSize, featureSize).CopyTo(values.AsSpan((t * count + b) * featureSize, featureSize));
                mask[t * count + b] = 1;
            }
            last[b] = sample.Length - 1;
            labels[b] = sample.Label;
        }
        Features = tensor(values, [steps, count, featureSize]);
        Mask = tensor(mask, [steps, count]);
        LastStep = tensor(last, [count]);
        Labels = tensor(labels, [count]);
        Count = count;
    }

    public int Count { get; }
    public Tensor Features { get; }
    public Tensor Mask { get; }
    public Tensor LastStep { get; }
    public Tensor Labels { get; }

    public void Dispose()
    {
        Features.Dispose();
        Mask.Dispose();
        LastStep.Dispose();
        Labels.Dispose();
    }
}
