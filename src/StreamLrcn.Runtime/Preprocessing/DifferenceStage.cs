using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Models;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// For packages with a difference stream: gives every resized frame its difference image
/// (<see cref="DifferenceHistory"/>, one per stream), in a slot rented from
/// <paramref name="differencePool"/> and released with the frame. It runs on one thread after
/// preprocessing, whose output is in order, so each stream's frames arrive here in order.
/// A stream's history is cleared on the same rules as its recurrent state: the stream's first
/// frame, a discontinuity (or a new segment), a timestamp gap above <paramref name="maxTimestampGap"/>
/// or going back, and <see cref="RequestReset"/>. The frame after a reset gets an all-zero
/// difference, as every clip's first frame does in training. A step given as a time
/// (<see cref="DifferenceSpec.FramesPerSecond"/>) is turned into frames once per stream, from the
/// stream's nominal rate (<see cref="StreamInfo.FramesPerSecond"/>, which a camera's <c>every</c>
/// already divides); a stream of unknown rate (0) compares frames <see cref="DifferenceSpec.Step"/> apart.
/// </summary>
public sealed class DifferenceStage(ChannelReader<PreprocessedFrame> input, ChannelWriter<PreprocessedFrame> output, FrameSlotPool differencePool,
    DifferenceSpec spec, TimeSpan maxTimestampGap)
{
    private readonly Dictionary<int, StreamHistory> _streams = [];
    private long _resetRequests;

    /// <summary>
    /// Clears every stream's history at its next frame. A user reset clears the recurrent state
    /// too, but frames already between here and the temporal stage were differenced before it:
    /// the two may land a few frames apart.
    /// </summary>
    public void RequestReset() => Interlocked.Increment(ref _resetRequests);

    public async Task RunAsync(CancellationToken cancellation)
    {
        Exception? failure = null;
        try
        {
            await foreach (var frame in input.ReadAllAsync(cancellation))
            {
                try
                {
                    var slot = await differencePool.RentAsync(cancellation);
                    frame.AttachDifference(slot, differencePool);
                    HistoryFor(frame.Header).Next(frame.Slot, slot);
                }
                catch
                {
                    frame.Release();
                    throw;
                }
                if (!output.TryWrite(frame))
                {
                    try
                    {
                        await output.WriteAsync(frame, cancellation);
                    }
                    catch
                    {
                        frame.Release();
                        throw;
                    }
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
            foreach (var stream in _streams.Values)
                stream.History.Dispose();
            _streams.Clear();
        }
    }

    private DifferenceHistory HistoryFor(in FrameHeader header)
    {
        if (!_streams.TryGetValue(header.Stream.Id, out var stream))
        {
            // A step given as a time spans as many of this stream's frames as its rate (after any frame skipping) puts in that time.
            stream = new StreamHistory(new DifferenceHistory(spec.AtRate(header.Stream.FramesPerSecond), differencePool.Width, differencePool.Height));
            _streams.Add(header.Stream.Id, stream);
        }
        var requests = Interlocked.Read(ref _resetRequests);
        var gap = header.Timestamp - stream.LastTimestamp;
        // The same rules as TemporalStage's reset: the difference must not span what the GRU state does not.
        if (stream.History.Count == 0 || header.Flags.HasFlag(FrameFlags.StreamStart) || header.Flags.HasFlag(FrameFlags.Discontinuity)
            || header.Segment != stream.Segment || gap > maxTimestampGap || gap < TimeSpan.Zero || requests != stream.ResetRequestsSeen)
            stream.History.Reset();
        stream.LastTimestamp = header.Timestamp;
        stream.Segment = header.Segment;
        stream.ResetRequestsSeen = requests;
        return stream.History;
    }

    private sealed class StreamHistory(DifferenceHistory history)
    {
        public DifferenceHistory History { get; } = history;
        public TimeSpan LastTimestamp { get; set; }
        public int Segment { get; set; }
        public long ResetRequestsSeen { get; set; }
    }
}
