namespace StreamLrcn.Capture;

/// <summary>What a frame is, without its pixels: it travels with the frame through every stage into the outputs.</summary>
/// <param name="Sequence">Zero-based index of the frame within its stream, counting every frame the source produced.</param>
/// <param name="Timestamp">Presentation time: from the container where it has one, otherwise sequence / nominal fps.</param>
/// <param name="ArrivalTimestamp"><see cref="System.Diagnostics.Stopwatch"/> ticks when the frame left the source.</param>
public readonly record struct FrameHeader(StreamInfo Stream, long Sequence, TimeSpan Timestamp, long ArrivalTimestamp, FrameFlags Flags)
{
    /// <summary>
    /// How many discontinuities (reconnects) the source had reported before this frame: frames of
    /// one segment follow each other without a gap. Only the first frame of a segment carries
    /// <see cref="FrameFlags.Discontinuity"/>, and a live stream may drop that very frame; the
    /// segment number still tells the temporal stage to start again.
    /// </summary>
    public int Segment { get; init; }
}
