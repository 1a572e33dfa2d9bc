using StreamLrcn.Capture;
using StreamLrcn.Preprocessing;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// For packages with a difference stream: writes every frame's difference image into its row of
/// the batch, from the frame's resized image and its stream's <see cref="DifferenceHistory"/>.
/// Batches come in order and a batch's frames are in arrival order, so each stream's frames are
/// differenced in order. A stream's history is cleared on the same rules as its recurrent state:
/// the stream's first frame, a discontinuity (or a new segment), a timestamp gap above
/// <paramref name="maxTimestampGap"/> or going back, and <see cref="RequestReset"/>. The frame after
/// a reset gets an all-zero difference, as every clip's first frame does in training. A step given
/// as a time (<see cref="DifferenceSpec.FramesPerSecond"/>) is turned into frames once per stream,
/// from the stream's nominal rate (<see cref="StreamInfo.FramesPerSecond"/>, which a camera's
/// <c>every</c> already divides); a stream of unknown rate (0) compares frames
/// <see cref="DifferenceSpec.Step"/> apart. Used by one thread at a time.
/// </summary>
public sealed class DifferenceRows(DifferenceSpec spec, int differenceStream, TimeSpan maxTimestampGap) : IDisposable
{
    private readonly Dictionary<int, StreamHistory> _streams = [];
    private long _resetRequests;

    /// <summary>The rows for a package's <paramref name="streams"/>; null when it takes no difference.</summary>
    public static DifferenceRows? For(CnnStreams streams, TimeSpan maxTimestampGap)
    {
        if (streams.Difference is not { } spec)
            return null;
        var index = 0;
        while (streams.Names[index] != CnnStreams.DifferenceStream)
            index++;
        return new DifferenceRows(spec, index, maxTimestampGap);
    }

    /// <summary>
    /// Clears every stream's history at its next frame. A user reset clears the recurrent state
    /// too, but frames already between here and the temporal stage were differenced before it:
    /// the two may land a few frames apart.
    /// </summary>
    public void RequestReset() => Interlocked.Increment(ref _resetRequests);

    /// <summary>Writes the difference row of every frame of <paramref name="batch"/>, whose resized images are in place.</summary>
    public void Write(CnnBatch batch)
    {
        for (var i = 0; i < batch.Count; i++)
            HistoryFor(batch.HeaderOf(i)).Next(batch.ResizedMat(i), batch.RowMat(i, differenceStream));
    }

    private DifferenceHistory HistoryFor(in FrameHeader header)
    {
        if (!_streams.TryGetValue(header.Stream.Id, out var stream))
        {
            // A step given as a time spans as many of this stream's frames as its rate (after any frame skipping) puts in that time.
            stream = new StreamHistory(new DifferenceHistory(spec.AtRate(header.Stream.FramesPerSecond), ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize));
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

    public void Dispose()
    {
        foreach (var stream in _streams.Values)
            stream.History.Dispose();
        _streams.Clear();
    }

    private sealed class StreamHistory(DifferenceHistory history)
    {
        public DifferenceHistory History { get; } = history;
        public TimeSpan LastTimestamp { get; set; }
        public int Segment { get; set; }
        public long ResetRequestsSeen { get; set; }
    }
}
