using System.Diagnostics;
using Serilog;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Features;
using StreamLrcn.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamLrcn.Training.Training;

/// <summary>
/// Trains a <see cref="GruClassifier"/> on cached clip features. Each step's loss is the clip loss
/// (cross-entropy of the last real step, what the runtime's window label is) plus a weighted
/// per-frame loss (every real step, what its stateful per-frame label is). Gradients are clipped by
/// value, then by norm. The epoch with the best validation accuracy (ties: lower loss) is kept.
/// </summary>
public sealed class Trainer(TrainingOptions options, int classCount)
{
    /// <summary>Runs training; the returned module holds the best checkpoint and is in evaluation mode.</summary>
    /// <param name="onEpoch">Called after every epoch (progress display).</param>
    public TrainingResult Train(IReadOnlyList<ClipFeatures> train, IReadOnlyList<ClipFeatures> validation, Action<EpochRecord>? onEpoch = null)
    {
        options.Validate();
        if (train.Count == 0)
            throw new ArgumentException("no training clips", nameof(train));
        var featureSize = train[0].FeatureSize;
        var stopwatch = Stopwatch.StartNew();
        torch.set_num_threads(options.TorchThreads);
        torch.manual_seed(options.Seed);
        var random = new Random(options.Seed);

        var model = new GruClassifier(featureSize, options.HiddenSize, options.Layers, classCount, options.Dropout, options.DenseSize);
        using var optimizer = CreateOptimizer(model);
        var validationSamples = ValidationSamples(validation);
        var history = new List<EpochRecord>();
        Dictionary<string, Tensor>? best = null;
        var bestEpoch = 0;
        (double Accuracy, double Loss) bestScore = (double.NegativeInfinity, double.PositiveInfinity);
        var stoppedEarly = false;

        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            model.train();
            double lossSum = 0;
            long correct = 0, seen = 0;
            foreach (var batch in Batches(TrainingSamples(train, random), random))
            {
                using var scope = NewDisposeScope();
                using var sequences = new SequenceBatch(batch, featureSize);
                optimizer.zero_grad();
                var (logits, _) = model.forward(sequences.Features, model.ZeroState(sequences.Count));
                var (loss, clipLogits) = Loss(logits, sequences);
                loss.backward();
                ClipGradients(model);
                optimizer.step();
                lossSum += loss.item<float>() * sequences.Count;
                correct += clipLogits.argmax(1).eq(sequences.Labels).sum().item<long>();
                seen += sequences.Count;
            }

            double? validationLoss = null, validationAccuracy = null;
            if (validationSamples.Count > 0)
            {
                (validationLoss, validationAccuracy) = Evaluate(model, validationSamples, featureSize);
                var score = (validationAccuracy.Value, validationLoss.Value);
                if (score.Item1 > bestScore.Accuracy || (score.Item1 == bestScore.Accuracy && score.Item2 < bestScore.Loss))
                {
                    bestScore = score;
                    bestEpoch = epoch;
                    DisposeAll(best);
                    best = model.Snapshot();
                }
            }
            else
            {
                bestEpoch = epoch;
            }

            var record = new EpochRecord(epoch, lossSum / seen, (double)correct / seen, validationLoss, validationAccuracy);
            history.Add(record);
            onEpoch?.Invoke(record);
            if (options.Patience > 0 && validationSamples.Count > 0 && epoch - bestEpoch >= options.Patience)
            {
                stoppedEarly = true;
                Log.Information("Early stop at epoch {Epoch}: validation has not improved for {Patience} epochs (best epoch {Best})",
                    epoch, options.Patience, bestEpoch);
                break;
            }
        }

        if (best is not null)
        {
            model.Restore(best);
            DisposeAll(best);
        }
        model.eval();
        Log.Information("Trained {Epochs} epochs in {Seconds:F1} s; kept epoch {Best}", history.Count, stopwatch.Elapsed.TotalSeconds, bestEpoch);
        return new TrainingResult(model, history, bestEpoch, stopwatch.Elapsed) { StoppedEarly = stoppedEarly };
    }

    /// <summary>Validation loss (clip loss) and clip accuracy of <paramref name="model"/> in evaluation mode.</summary>
    public (double Loss, double Accuracy) Evaluate(GruClassifier model, IReadOnlyList<TrainingSample> samples, int featureSize)
    {
        model.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0;
        foreach (var batch in samples.Chunk(64))
        {
            using var scope = NewDisposeScope();
            using var sequences = new SequenceBatch(batch, featureSize);
            var (logits, _) = model.forward(sequences.Features, model.ZeroState(sequences.Count));
            var clipLogits = LastSteps(logits, sequences);
            lossSum += nn.functional.cross_entropy(clipLogits, sequences.Labels).item<float>() * sequences.Count;
            correct += clipLogits.argmax(1).eq(sequences.Labels).sum().item<long>();
        }
        return (lossSum / samples.Count, (double)correct / samples.Count);
    }

    /// <summary>
    /// Deterministic validation sequences: the evenly sampled clip, every runtime window of the
    /// clip, or the whole clip, depending on the sampling mode. Mirrored clips are left out.
    /// </summary>
    public IReadOnlyList<TrainingSample> ValidationSamples(IReadOnlyList<ClipFeatures> clips)
    {
        var samples = new List<TrainingSample>();
        foreach (var clip in clips.Where(c => !c.Flipped))
        {
            if (options.Sampling == SamplingMode.Window && clip.Frames >= options.Length)
            {
                foreach (var start in FrameSampler.SlidingWindowStarts(clip.Frames, options.Length, options.Stride))
                    samples.Add(Sample(clip, Enumerable.Range(start, options.Length).ToArray()));
            }
            else
            {
                samples.Add(Sample(clip, FrameSampler.Sample(options.Sampling, clip.Frames, options.Length, jitter: null)));
            }
        }
        return samples;
    }

    private List<TrainingSample> TrainingSamples(IReadOnlyList<ClipFeatures> clips, Random random)
    {
        var samples = new List<TrainingSample>();
        foreach (var clip in clips)
        {
            var count = options.SamplesPerClip > 0 ? options.SamplesPerClip
                : options.Sampling == SamplingMode.Window ? Math.Max(1, (clip.Frames + options.Length - 1) / options.Length)
                : 1;
            for (var i = 0; i < count; i++)
                samples.Add(Sample(clip, FrameSampler.Sample(options.Sampling, clip.Frames, options.Length, options.Jitter ? random : null)));
        }
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(samples));
        return samples;
    }

    // Variable-length sequences are bucketed: sorted by length (stable, so equal lengths stay shuffled),
    // cut into batches, and the batches shuffled, so a batch holds similar lengths and little padding.
    internal IEnumerable<TrainingSample[]> Batches(List<TrainingSample> samples, Random random)
    {
        if (options.Sampling != SamplingMode.Whole)
            return samples.Chunk(options.BatchSize);
        var batches = samples.OrderBy(s => s.Length).Chunk(options.BatchSize).ToArray();
        random.Shuffle(batches);
        return batches;
    }

    private static TrainingSample Sample(ClipFeatures clip, int[] indices) =>
        new(clip.Gather(indices), indices.Length, clip.Clip.LabelIndex);

    private (Tensor Loss, Tensor ClipLogits) Loss(Tensor logits, SequenceBatch batch)
    {
        // logits [T, B, C]
        var clipLogits = LastSteps(logits, batch); // [B, C]
        var clipLoss = nn.functional.cross_entropy(clipLogits, batch.Labels);
        if (options.FrameLossWeight == 0)
            return (clipLoss, clipLogits);
        var steps = logits.shape[0];
        var logProbabilities = nn.functional.log_softmax(logits, 2);
        var targets = batch.Labels.view(1, -1, 1).expand(steps, -1, 1); // [T, B, 1]
        var frameNll = -logProbabilities.gather(2, targets).squeeze(2); // [T, B]
        var frameLoss = (frameNll * batch.Mask).sum() / batch.Mask.sum();
        return (clipLoss + options.FrameLossWeight * frameLoss, clipLogits);
    }

    private static Tensor LastSteps(Tensor logits, SequenceBatch batch)
    {
        var classes = logits.shape[2];
        var index = batch.LastStep.view(1, -1, 1).expand(1, -1, classes); // [1, B, C]
        return logits.gather(0, index).squeeze(0);
    }

    // By value, then by total norm, as the seed did. Written out rather than through nn.utils.clip_grad_norm_,
    // which aborted here once with "Unknown scalar type" inside its in-place multiply; the Scalars are
    // created and disposed explicitly so no dispose scope or finalizer can release one while in use.
    private void ClipGradients(GruClassifier model)
    {
        using var noGrad = no_grad();
        var gradients = model.parameters().Select(p => p.grad).OfType<Tensor>().ToArray();
        using (var low = (-options.ClipValue).ToScalar())
        using (var high = options.ClipValue.ToScalar())
            foreach (var gradient in gradients)
                gradient.clamp_(low, high);
        double squared = 0;
        foreach (var gradient in gradients)
        {
            using var norm = gradient.norm();
            var value = norm.item<float>();
            squared += (double)value * value;
        }
        var total = Math.Sqrt(squared);
        if (total <= options.ClipNorm)
            return;
        using var factor = (options.ClipNorm / (total + 1e-6)).ToScalar();
        foreach (var gradient in gradients)
            gradient.mul_(factor);
    }

    private optim.Optimizer CreateOptimizer(GruClassifier model) => options.Optimizer switch
    {
        OptimizerKind.Sgd => optim.SGD(model.parameters(), options.LearningRate, options.Momentum, weight_decay: options.WeightDecay),
        OptimizerKind.Adam => optim.Adam(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
    };

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null)
            return;
        foreach (var tensor in tensors.Values)
            tensor.Dispose();
    }
}
