using StreamLrcn.Training.Data;
using StreamLrcn.Training.Features;
using StreamLrcn.Training.Model;
using StreamLrcn.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamLrcn.Training.Tests.Training;

public sealed class SequenceBatchTests
{
    private const int Features = 12;

    [Fact]
    public void Padding_a_short_sequence_in_a_batch_changes_none_of_its_real_steps()
    {
        var random = new Random(1);
        var shortSample = new TrainingSample(RandomFeatures(random, 3), 3, 0);
        var longSample = new TrainingSample(RandomFeatures(random, 7), 7, 1);
        torch.manual_seed(2);
        using var model = new GruClassifier(Features, 6, 2, 2, dropout: 0.3);
        model.eval();

        using var batch = new SequenceBatch([shortSample, longSample], Features);
        using var alone = new SequenceBatch([shortSample], Features);
        using var noGrad = no_grad();
        var (batched, _) = model.forward(batch.Features, model.ZeroState(2));
        var (single, _) = model.forward(alone.Features, model.ZeroState(1));

        Assert.Equal([7L, 2, Features], batch.Features.shape);
        Assert.Equal([2L, 6], batch.LastStep.data<long>().ToArray());
        Assert.Equal([1f, 1, 1, 0, 0, 0, 0], batch.Mask.select(1, 0).data<float>().ToArray());
        var fromBatch = batched.select(1, 0).narrow(0, 0, 3).contiguous().data<float>().ToArray();
        var fromSingle = single.select(1, 0).contiguous().data<float>().ToArray();
        Assert.Equal(fromSingle.Length, fromBatch.Length);
        Assert.True(fromSingle.Zip(fromBatch, (a, b) => Math.Abs(a - b)).Max() < 1e-6);
    }

    [Fact]
    public void Variable_length_batches_hold_clips_of_similar_length()
    {
        var random = new Random(3);
        var samples = Enumerable.Range(0, 40).Select(i => new TrainingSample([], random.Next(10, 200), 0)).ToList();
        var trainer = new Trainer(new TrainingOptions { Sampling = SamplingMode.Whole, BatchSize = 8 }, classCount: 2);

        var batches = trainer.Batches(samples, random).ToArray();

        var sorted = samples.Select(s => s.Length).Order().ToArray();
        Assert.Equal(5, batches.Length);
        Assert.Equal(sorted, batches.SelectMany(b => b.Select(s => s.Length)).Order());
        // Each batch is one run of 8 consecutive lengths in sorted order: the least padding possible.
        var runs = sorted.Chunk(8).Select(run => (run[0], run[^1])).ToHashSet();
        Assert.All(batches, b => Assert.Contains((b.Min(s => s.Length), b.Max(s => s.Length)), runs));
    }

    [Fact]
    public void Window_validation_uses_every_runtime_window_of_each_clip_and_leaves_mirrored_clips_out()
    {
        var clip = new LabelledClip("a", 1, "/data/a/clip.avi");
        var values = Enumerable.Range(0, 30 * Features).Select(i => (float)i).ToArray();
        var trainer = new Trainer(new TrainingOptions { Sampling = SamplingMode.Window, Length = 16, Stride = 4 }, classCount: 2);

        var samples = trainer.ValidationSamples([new ClipFeatures(clip, false, 30, Features, values), new ClipFeatures(clip, true, 30, Features, values)]);

        Assert.Equal(FrameSampler.SlidingWindowStarts(30, 16, 4).Count(), samples.Count); // starts 0, 4, 8, 12
        Assert.All(samples, s => Assert.Equal((16, 1), (s.Length, s.Label)));
        Assert.Equal(12 * Features, samples[3].Features[0]); // the fourth window starts at frame 12
    }

    private static float[] RandomFeatures(Random random, int steps) =>
        Enumerable.Range(0, steps * Features).Select(_ => (float)random.NextDouble()).ToArray();
}
