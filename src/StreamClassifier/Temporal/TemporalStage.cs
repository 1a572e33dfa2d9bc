using System.Diagnostics;
using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Inference;

namespace StreamLrcn.Temporal;

/// <summary>
/// Turns features into labels, per stream: a stateful GRU step per frame gives the per-frame
/// label; every <see cref="TemporalOptions.Stride"/> frames, once a full window has been seen
/// since the last reset, the GRU runs over the last <see cref="TemporalOptions.Window"/> features
/// from a zero state and gives the window label. State is cleared at stream start, at a
/// discontinuity the source reports, and when timestamps jump. The head is lent by the pipeline, which disposes it.
/// </summary>
public sealed class TemporalStage(ChannelReader<FeatureBatch> input, ChannelWriter<FrameLabel> output, GruHead head, TemporalOptions options)
{
    private readonly Dictionary<int, StreamTemporalState> _streams = [];
    private readonly float[] _windowFeatures = new float[head.Window * head.FeatureSize];
    private long _resetRequests;

    /// <summary>
    /// Clears the recurrent state of every stream at its next frame, which then reports
    /// <see cref="ResetReason.UserReset"/>. Called from any thread (the live window's r key).
    /// </summary>
    public void RequestReset() => Interlocked.Increment(ref _resetRequests);

    public async Task RunAsync(CancellationToken cancellation)
    {
        options.Validate();
        Exception? failure = null;
        try
        {
            await foreach (var batch in input.ReadAllAsync(cancellation))
            {
                try
                {
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var label = Classify(batch.Headers[i], batch.FeaturesOf(i));
                        if (!output.TryWrite(label))
                            await output.WriteAsync(label, cancellation);
                    }
                }
                finally
                {
                    batch.Release();
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            output.TryComplete(failure);
            while (input.TryRead(out var left))
                left.Release();
        }
    }

    /// <summary>Classifies one frame of a stream; frames of a stream must come in order.</summary>
    public FrameLabel Classify(in FrameHeader header, ReadOnlySpan<float> features)
    {
        if (!_streams.TryGetValue(header.Stream.Id, out var state))
        {
            state = new StreamTemporalState(head.StateSize, head.Window, head.FeatureSize);
            _streams.Add(header.Stream.Id, state);
        }

        var resetRequests = Interlocked.Read(ref _resetRequests);
        var reset = ResetReasonFor(header, state);
        if (reset == ResetReason.None && resetRequests != state.ResetRequestsSeen)
            reset = ResetReason.UserReset;
        if (reset != ResetReason.None)
            state.Reset();
        state.LastTimestamp = header.Timestamp;
        state.ResetRequestsSeen = resetRequests;

        var probabilities = new float[head.ClassCount];
        head.Step(features, state.Hidden, probabilities);
        state.Push(features);

        int? windowLabel = null;
        float[]? windowProbabilities = null;
        if (state.FramesSinceReset >= head.Window && (state.FramesSinceReset - head.Window) % options.Stride == 0)
        {
            state.CopyWindow(_windowFeatures);
            windowProbabilities = new float[head.ClassCount];
            head.RunWindow(_windowFeatures, windowProbabilities);
            windowLabel = ArgMax(windowProbabilities);
        }

        var latency = Stopwatch.GetElapsedTime(header.ArrivalTimestamp).TotalMilliseconds;
        return new FrameLabel(header, ArgMax(probabilities), probabilities, windowLabel, windowProbabilities, reset, latency);
    }

    private ResetReason ResetReasonFor(in FrameHeader header, StreamTemporalState state)
    {
        if (header.Flags.HasFlag(FrameFlags.StreamStart) || state.FramesSinceReset == 0)
            return ResetReason.StreamStart;
        if (header.Flags.HasFlag(FrameFlags.Discontinuity))
            return ResetReason.Discontinuity;
        var gap = header.Timestamp - state.LastTimestamp;
        return gap > options.MaxTimestampGap || gap < TimeSpan.Zero ? ResetReason.TimeJump : ResetReason.None;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best])
                best = i;
        return best;
    }
}
