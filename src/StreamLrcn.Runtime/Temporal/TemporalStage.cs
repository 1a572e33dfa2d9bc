using System.Diagnostics;
using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Temporal;

/// <summary>
/// Turns features into labels, per stream: a stateful GRU step per frame gives the per-frame
/// label; every <see cref="TemporalOptions.Stride"/> frames, once a full window has been seen
/// since the last reset, the GRU runs over the last <see cref="TemporalOptions.Window"/> features
/// from a zero state and gives the window label. State is cleared at stream start, at a
/// discontinuity the source reports, and when timestamps jump.
/// <para>
/// Streams are split over the given heads (stream id modulo their count), and each batch's
/// partitions run in parallel: on a GPU the CNN delivers tens of thousands of frames a second,
/// more than one core can step through the GRU. Labels leave in batch order either way, so the
/// output does not depend on the number of heads. The heads are lent by the pipeline, which
/// disposes them.
/// </para>
/// </summary>
public sealed class TemporalStage
{
    private readonly ChannelReader<CnnBatch> _input;
    private readonly ChannelWriter<LabelWithFrame> _output;
    private FrameLabel[] _labels = [];
    private readonly TemporalOptions _options;
    private readonly Partition[] _partitions;
    private readonly Action<int> _classifyPartition;
    private CnnBatch? _classifying;
    private long _resetRequests;

    public TemporalStage(ChannelReader<CnnBatch> input, ChannelWriter<LabelWithFrame> output, IReadOnlyList<GruHead> heads, TemporalOptions options)
    {
        if (heads.Count == 0)
            throw new ArgumentException("the temporal stage needs at least one head", nameof(heads));
        _input = input;
        _output = output;
        _options = options;
        _partitions = heads.Select(h => new Partition(h, options, this)).ToArray();
        _classifyPartition = k => _partitions[k].ClassifyBatch(_classifying!, _labels, k, _partitions.Length);
    }

    /// <summary>
    /// Clears the recurrent state of every stream at its next frame, which then reports
    /// <see cref="ResetReason.UserReset"/>. Called from any thread (the live window's r key).
    /// </summary>
    public void RequestReset() => Interlocked.Increment(ref _resetRequests);

    public TemporalStage(ChannelReader<CnnBatch> input, ChannelWriter<LabelWithFrame> output, GruHead head, TemporalOptions options)
        : this(input, output, [head], options)
    {
    }

    public async Task RunAsync(CancellationToken cancellation)
    {
        _options.Validate();
        Exception? failure = null;
        using var stop = StageOutput.CompleteOnCancel(_output, cancellation);
        try
        {
            // The wait takes no token (a cancellable wait allocates at every batch): cancellation
            // completes this stage's output at once, and the CNN stage before it completes this
            // stage's input, which ends the wait.
            while (await _input.WaitToReadAsync(CancellationToken.None))
            {
                while (_input.TryRead(out var batch))
                {
                    try
                    {
                        cancellation.ThrowIfCancellationRequested();
                        ClassifyBatch(batch);
                        // Each label leaves with the frame that rode beside its row (if the run keeps frames).
                        for (var i = 0; i < batch.Count; i++)
                        {
                            var item = new LabelWithFrame(_labels[i], batch.TakeFrame(i));
                            _labels[i] = null!;
                            if (_output.TryWrite(item))
                                continue;
                            try
                            {
                                await StageOutput.WriteAsync(_output, item, cancellation);
                            }
                            catch
                            {
                                item.Frame?.Dispose();
                                throw;
                            }
                        }
                    }
                    finally
                    {
                        batch.Release();
                    }
                }
            }
            cancellation.ThrowIfCancellationRequested();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            StageOutput.End(_output, failure, _input, static batch => batch.Release());
        }
    }

    /// <summary>Classifies one frame of a stream; frames of a stream must come in order.</summary>
    public FrameLabel Classify(in FrameHeader header, ReadOnlySpan<float> features) =>
        _partitions[header.Stream.Id % _partitions.Length].Classify(header, features);

    /// <summary>Labels every frame of <paramref name="batch"/> into <see cref="_labels"/> (grown to the largest batch so far).</summary>
    private void ClassifyBatch(CnnBatch batch)
    {
        if (_labels.Length < batch.Count)
            _labels = new FrameLabel[batch.MaxFrames];
        if (_partitions.Length == 1)
        {
            _partitions[0].ClassifyBatch(batch, _labels, 0, 1);
            return;
        }
        // A cached delegate over fields: a lambda capturing the batch would cost a closure at every batch.
        _classifying = batch;
        try
        {
            Parallel.For(0, _partitions.Length, _classifyPartition);
        }
        finally
        {
            _classifying = null;
        }
    }

    /// <summary>The streams one head serves, with their states. Used by one thread at a time.</summary>
    private sealed class Partition(GruHead head, TemporalOptions options, TemporalStage owner)
    {
        private readonly Dictionary<int, StreamTemporalState> _streams = [];
        private readonly float[] _windowFeatures = new float[head.Window * head.FeatureSize];
        // Scratch of the batched steps, reused from batch to batch (grown when a wave is wider than before).
        private readonly List<int> _pending = [];
        private readonly List<int> _later = [];
        private readonly List<int> _wave = [];
        private readonly HashSet<int> _waveStreams = [];
        private float[] _waveFeatures = new float[head.FeatureSize];
        private float[] _waveStates = new float[head.StateSize];
        private float[] _waveProbabilities = new float[head.ClassCount];

        public FrameLabel Classify(in FrameHeader header, ReadOnlySpan<float> features)
        {
            var state = Prepare(header, out var reset);
            var probabilities = new float[head.ClassCount];
            head.Step(features, state.Hidden, probabilities);
            return Finish(header, features, state, reset, probabilities);
        }

        /// <summary>
        /// Labels the frames of <paramref name="batch"/> whose stream this partition serves
        /// (stream id modulo <paramref name="partitions"/> = <paramref name="partition"/>). The
        /// streams step together, one head run per wave: a wave holds the next frame of each stream
        /// in the batch, so a stream with two frames in the batch steps in two waves, in order.
        /// </summary>
        public void ClassifyBatch(CnnBatch batch, FrameLabel[] labels, int partition, int partitions)
        {
            _pending.Clear();
            for (var i = 0; i < batch.Count; i++)
                if (batch.HeaderOf(i).Stream.Id % partitions == partition)
                    _pending.Add(i);
            while (_pending.Count > 0)
            {
                _wave.Clear();
                _later.Clear();
                _waveStreams.Clear();
                foreach (var i in _pending)
                    (_waveStreams.Add(batch.HeaderOf(i).Stream.Id) ? _wave : _later).Add(i);
                StepWave(batch, labels);
                _pending.Clear();
                _pending.AddRange(_later);
            }
        }

        private void StepWave(CnnBatch batch, FrameLabel[] labels)
        {
            var count = _wave.Count;
            if (_waveStates.Length < count * head.StateSize)
            {
                _waveFeatures = new float[count * head.FeatureSize];
                _waveStates = new float[count * head.StateSize];
                _waveProbabilities = new float[count * head.ClassCount];
            }
            Span<ResetReason> resets = stackalloc ResetReason[count];
            for (var w = 0; w < count; w++)
            {
                var i = _wave[w];
                var state = Prepare(batch.HeaderOf(i), out resets[w]);
                batch.FeaturesOf(i).CopyTo(_waveFeatures.AsSpan(w * head.FeatureSize));
                state.Hidden.CopyTo(_waveStates.AsSpan(w * head.StateSize));
            }
            head.StepMany(count, _waveFeatures, _waveStates, _waveProbabilities);
            for (var w = 0; w < count; w++)
            {
                var i = _wave[w];
                var state = _streams[batch.HeaderOf(i).Stream.Id];
                _waveStates.AsSpan(w * head.StateSize, head.StateSize).CopyTo(state.Hidden);
                var probabilities = _waveProbabilities.AsSpan(w * head.ClassCount, head.ClassCount).ToArray();
                labels[i] = Finish(batch.HeaderOf(i), batch.FeaturesOf(i), state, resets[w], probabilities);
            }
        }

        /// <summary>The stream's state for this frame, reset first where the frame calls for it.</summary>
        private StreamTemporalState Prepare(in FrameHeader header, out ResetReason reset)
        {
            if (!_streams.TryGetValue(header.Stream.Id, out var state))
            {
                state = new StreamTemporalState(head.StateSize, head.Window, head.FeatureSize);
                _streams.Add(header.Stream.Id, state);
            }

            var resetRequests = Interlocked.Read(ref owner._resetRequests);
            reset = ResetReasonFor(header, state);
            if (reset == ResetReason.None && resetRequests != state.ResetRequestsSeen)
                reset = ResetReason.UserReset;
            if (reset != ResetReason.None)
                state.Reset();
            state.LastTimestamp = header.Timestamp;
            state.Segment = header.Segment;
            state.ResetRequestsSeen = resetRequests;
            return state;
        }

        /// <summary>After the step: the frame joins the window, and every stride frames the window is labelled.</summary>
        private FrameLabel Finish(in FrameHeader header, ReadOnlySpan<float> features, StreamTemporalState state, ResetReason reset, float[] probabilities)
        {
            state.Push(features);
            int? windowLabel = null;
            float[]? windowProbabilities = null;
            if (state.FramesSinceReset >= head.Window && (state.FramesSinceReset - head.Window) % options.Stride == 0)
            {
                state.CopyWindow(_windowFeatures);
                windowProbabilities = new float[head.ClassCount];
                head.RunWindow(_windowFeatures, windowProbabilities);
                windowLabel = head.Thresholds?.Decide(windowProbabilities) ?? Probabilities.ArgMax(windowProbabilities);
            }

            var latency = Stopwatch.GetElapsedTime(header.ArrivalTimestamp).TotalMilliseconds;
            return new FrameLabel(header, head.Thresholds?.Decide(probabilities) ?? Probabilities.ArgMax(probabilities), probabilities, windowLabel, windowProbabilities, reset, latency);
        }

        private ResetReason ResetReasonFor(in FrameHeader header, StreamTemporalState state)
        {
            if (header.Flags.HasFlag(FrameFlags.StreamStart) || state.FramesSinceReset == 0)
                return ResetReason.StreamStart;
            // The segment catches a reconnect whose first (flagged) frame a live queue dropped.
            if (header.Flags.HasFlag(FrameFlags.Discontinuity) || header.Segment != state.Segment)
                return ResetReason.Discontinuity;
            var gap = header.Timestamp - state.LastTimestamp;
            return gap > options.MaxTimestampGap || gap < TimeSpan.Zero ? ResetReason.TimeJump : ResetReason.None;
        }
    }
}
