using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Models;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Temporal;

public sealed class TemporalStageTests : IDisposable
{
    private const int Hidden = 16;
    private const int Window = 4;
    private const int Stride = 2;
    private readonly TempDirectory _folder = new();
    private readonly HeadWeights _weights;
    private readonly GruHead _head;
    private readonly TemporalStage _stage;
    private readonly CnnBatchPool _batches = CnnBatchPool.HostOnly(64, 64, CnnStreams.RgbOnly);

    public TemporalStageTests()
    {
        _weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, Hidden, 1, TestModels.Labels.Length, seed: 21);
        var package = ModelPackage.Write(_folder.Path, TestModels.Manifest(hidden: Hidden, window: Window, stride: Stride), _weights);
        _head = new GruHead(package, Window);
        var unused = Channel.CreateUnbounded<CnnBatch>();
        _stage = new TemporalStage(unused.Reader, Channel.CreateUnbounded<LabelWithFrame>().Writer, _head, new TemporalOptions(Window, Stride, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void Per_frame_labels_carry_state_and_window_labels_come_every_stride_from_a_zero_state()
    {
        const int frames = 10;
        var features = HeadModelWriterTests.RandomFeatures(frames, seed: 4);
        var stream = new StreamInfo(0, "s", 30);

        var labels = Enumerable.Range(0, frames).Select(i => _stage.Classify(Header(stream, i, i == 0 ? FrameFlags.StreamStart : FrameFlags.None), Row(features, i))).ToArray();

        var perFrame = ReferenceGru.Run(_weights, features, frames, new double[Hidden]);
        for (var i = 0; i < frames; i++)
            AssertClose(perFrame[i], labels[i].Probabilities);
        Assert.Equal(ResetReason.StreamStart, labels[0].Reset);
        Assert.All(labels[1..], l => Assert.Equal(ResetReason.None, l.Reset));

        // Windows complete at frames 3, 5, 7, 9 (window 4, stride 2).
        Assert.Equal([3L, 5, 7, 9], labels.Where(l => l.WindowProbabilities is not null).Select(l => l.Header.Sequence));
        foreach (var label in labels.Where(l => l.WindowProbabilities is not null))
        {
            var end = (int)label.Header.Sequence + 1;
            var window = features[((end - Window) * 512)..(end * 512)];
            var expected = ReferenceGru.Run(_weights, window, Window, new double[Hidden])[^1];
            AssertClose(expected, label.WindowProbabilities!);
            Assert.Equal(Array.IndexOf(expected, expected.Max()), label.WindowLabelIndex);
        }
    }

    [Fact]
    public void A_discontinuity_resets_the_state_and_restarts_the_window()
    {
        var features = HeadModelWriterTests.RandomFeatures(12, seed: 8);
        var stream = new StreamInfo(0, "s", 30);
        var labels = new List<FrameLabel>();
        for (var i = 0; i < 12; i++)
        {
            var flags = i == 0 ? FrameFlags.StreamStart : i == 6 ? FrameFlags.Discontinuity : FrameFlags.None;
            labels.Add(_stage.Classify(Header(stream, i, flags), Row(features, i)));
        }

        Assert.Equal(ResetReason.Discontinuity, labels[6].Reset);
        var afterReset = ReferenceGru.Run(_weights, features[(6 * 512)..], 6, new double[Hidden]);
        for (var i = 6; i < 12; i++)
            AssertClose(afterReset[i - 6], labels[i].Probabilities);
        // Before the reset windows end at 3 and 5; after it the first full window ends at 9.
        Assert.Equal([3L, 5, 9, 11], labels.Where(l => l.WindowProbabilities is not null).Select(l => l.Header.Sequence));
    }

    [Fact]
    public void A_new_segment_resets_the_state_even_when_its_flagged_first_frame_was_dropped()
    {
        var features = HeadModelWriterTests.RandomFeatures(6, seed: 12);
        var stream = new StreamInfo(0, "s", 30);
        var labels = new List<FrameLabel>();
        for (var i = 0; i < 6; i++)
        {
            // Frame 3 started segment 1 (a reconnect) but never arrived: frame 4 is the first seen.
            if (i == 3)
                continue;
            var header = Header(stream, i, i == 0 ? FrameFlags.StreamStart : FrameFlags.None) with { Segment = i >= 3 ? 1 : 0 };
            labels.Add(_stage.Classify(header, Row(features, i)));
        }

        Assert.Equal([ResetReason.StreamStart, ResetReason.None, ResetReason.None, ResetReason.Discontinuity, ResetReason.None], labels.Select(l => l.Reset));
        var afterReset = ReferenceGru.Run(_weights, features[(4 * 512)..], 2, new double[Hidden]);
        AssertClose(afterReset[0], labels[3].Probabilities);
        AssertClose(afterReset[1], labels[4].Probabilities);
    }

    [Fact]
    public void A_jump_in_timestamps_resets_the_state()
    {
        var features = HeadModelWriterTests.RandomFeatures(3, seed: 2);
        var stream = new StreamInfo(0, "s", 30);
        _stage.Classify(Header(stream, 0, FrameFlags.StreamStart), Row(features, 0));
        var normal = _stage.Classify(Header(stream, 1, FrameFlags.None), Row(features, 1));
        var jumped = _stage.Classify(new FrameHeader(stream, 2, TimeSpan.FromSeconds(30), 0, FrameFlags.None), Row(features, 2));

        Assert.Equal(ResetReason.None, normal.Reset);
        Assert.Equal(ResetReason.TimeJump, jumped.Reset);
    }

    [Fact]
    public void Interleaved_streams_keep_separate_states()
    {
        var a = HeadModelWriterTests.RandomFeatures(5, seed: 30);
        var b = HeadModelWriterTests.RandomFeatures(5, seed: 31);
        var streamA = new StreamInfo(0, "a", 30);
        var streamB = new StreamInfo(1, "b", 30);
        var labelsA = new List<FrameLabel>();
        var labelsB = new List<FrameLabel>();
        for (var i = 0; i < 5; i++)
        {
            var flags = i == 0 ? FrameFlags.StreamStart : FrameFlags.None;
            labelsA.Add(_stage.Classify(Header(streamA, i, flags), Row(a, i)));
            labelsB.Add(_stage.Classify(Header(streamB, i, flags), Row(b, i)));
        }

        var expectedA = ReferenceGru.Run(_weights, a, 5, new double[Hidden]);
        var expectedB = ReferenceGru.Run(_weights, b, 5, new double[Hidden]);
        for (var i = 0; i < 5; i++)
        {
            AssertClose(expectedA[i], labelsA[i].Probabilities);
            AssertClose(expectedB[i], labelsB[i].Probabilities);
        }
    }

    [Fact]
    public async Task Streams_split_over_several_heads_give_the_labels_of_one_head_in_the_same_order()
    {
        using var other = new GruHead(ModelPackage.Load(_folder.Path), Window);
        using var single = new GruHead(ModelPackage.Load(_folder.Path), Window);
        var batches = Enumerable.Range(0, 5).Select(b => Batch(b, streams: 3, perStream: 3)).ToArray();

        var split = await RunStage([_head, other], batches.Select(Copy));
        var one = await RunStage([single], batches.Select(Copy));

        Assert.Equal(45, one.Count);
        Assert.Equal(one.Select(l => (l.Header.Stream.Id, l.Header.Sequence)), split.Select(l => (l.Header.Stream.Id, l.Header.Sequence)));
        for (var i = 0; i < one.Count; i++)
        {
            AssertClose(one[i].Probabilities, split[i].Probabilities);
            Assert.Equal(one[i].WindowLabelIndex, split[i].WindowLabelIndex);
        }
    }

    [Fact]
    public async Task Batched_steps_of_interleaved_streams_equal_one_frame_at_a_time_within_1e5()
    {
        using var batched = new GruHead(ModelPackage.Load(_folder.Path), Window);
        // Batches of 3 streams with 3 frames each: every batch holds each stream three times, so a
        // stream steps in three waves and carries its state between them.
        var batches = Enumerable.Range(0, 5).Select(b => Batch(b, streams: 3, perStream: 3)).ToArray();

        var together = await RunStage([batched], batches.Select(Copy));

        // The same frames one by one, each through a single-stream step.
        var oneByOne = batches.SelectMany(b => b.Headers.Select((h, i) => _stage.Classify(h, Row(b.Features, i)))).ToArray();
        Assert.Equal(45, together.Count);
        for (var i = 0; i < together.Count; i++)
        {
            Assert.Equal((oneByOne[i].Header.Stream.Id, oneByOne[i].Header.Sequence), (together[i].Header.Stream.Id, together[i].Header.Sequence));
            for (var c = 0; c < oneByOne[i].Probabilities.Length; c++)
                Assert.True(Math.Abs(oneByOne[i].Probabilities[c] - together[i].Probabilities[c]) <= 1e-5f,
                    $"frame {i}, class {c}: one by one {oneByOne[i].Probabilities[c]}, batched {together[i].Probabilities[c]}");
            Assert.Equal(oneByOne[i].WindowLabelIndex, together[i].WindowLabelIndex);
            Assert.Equal(oneByOne[i].Reset, together[i].Reset);
        }
    }

    [Fact]
    public void Stepping_several_streams_of_a_two_layer_head_in_one_run_equals_stepping_each_within_1e5()
    {
        using var folder = new TempDirectory();
        var package = TestModels.Write(folder.Path, hidden: 12, layers: 2, window: Window, stride: Stride, seed: 5);
        using var head = new GruHead(package, Window);
        const int streams = 4;
        var random = new Random(3);
        var states = Enumerable.Range(0, streams * head.StateSize).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var separate = (float[])states.Clone();

        for (var step = 0; step < 5; step++)
        {
            var features = HeadModelWriterTests.RandomFeatures(streams, seed: 40 + step);
            var together = new float[streams * head.ClassCount];
            head.StepMany(streams, features, states, together);
            for (var b = 0; b < streams; b++)
            {
                var alone = new float[head.ClassCount];
                head.Step(Row(features, b), separate.AsSpan(b * head.StateSize, head.StateSize), alone);
                for (var c = 0; c < head.ClassCount; c++)
                    Assert.True(Math.Abs(alone[c] - together[b * head.ClassCount + c]) <= 1e-5f, $"step {step}, stream {b}, class {c}");
            }
            for (var k = 0; k < states.Length; k++)
                Assert.True(Math.Abs(separate[k] - states[k]) <= 1e-5f, $"step {step}: state {k} differs");
        }
    }

    private async Task<List<FrameLabel>> RunStage(GruHead[] heads, IEnumerable<CnnBatch> batches)
    {
        var input = Channel.CreateUnbounded<CnnBatch>();
        var output = Channel.CreateUnbounded<LabelWithFrame>();
        foreach (var batch in batches)
            input.Writer.TryWrite(batch);
        input.Writer.Complete();
        await new TemporalStage(input.Reader, output.Writer, heads, new TemporalOptions(Window, Stride, TimeSpan.FromSeconds(2))).RunAsync(CancellationToken.None);
        var labels = new List<FrameLabel>();
        await foreach (var item in output.Reader.ReadAllAsync())
            labels.Add(item.Label);
        // The stage released every batch it took.
        Assert.Equal(_batches.Capacity, _batches.Available);
        return labels;
    }

    /// <summary>Batch <paramref name="index"/>: frames of several streams interleaved, as the batcher makes them.</summary>
    private static (FrameHeader[] Headers, float[] Features) Batch(int index, int streams, int perStream)
    {
        var features = HeadModelWriterTests.RandomFeatures(streams * perStream, seed: 100 + index);
        var headers = new FrameHeader[streams * perStream];
        for (var k = 0; k < perStream; k++)
            for (var s = 0; s < streams; s++)
            {
                var sequence = index * perStream + k;
                headers[k * streams + s] = Header(new StreamInfo(s, $"s{s}", 30), sequence, sequence == 0 ? FrameFlags.StreamStart : FrameFlags.None);
            }
        return (headers, features);
    }

    /// <summary>A pooled CNN batch holding <paramref name="batch"/>'s frames, with the features where the CNN writes them.</summary>
    private CnnBatch Copy((FrameHeader[] Headers, float[] Features) batch)
    {
        var copy = _batches.RentAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        for (var i = 0; i < batch.Headers.Length; i++)
            Row(batch.Features, copy.Add(batch.Headers[i])).CopyTo(copy.WritableFeaturesOf(i));
        return copy;
    }

    private static FrameHeader Header(StreamInfo stream, long sequence, FrameFlags flags) =>
        new(stream, sequence, TimeSpan.FromSeconds(sequence / 30.0), 0, flags);

    private static ReadOnlySpan<float> Row(float[] features, int index) => features.AsSpan(index * 512, 512);

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var c = 0; c < expected.Length; c++)
            Assert.True(Math.Abs(expected[c] - actual[c]) <= 1e-4f, $"class {c}: expected {expected[c]}, found {actual[c]}");
    }

    public void Dispose()
    {
        _head.Dispose();
        _folder.Dispose();
        _batches.Dispose();
    }
}
