using System.Threading.Channels;
using StreamLrcn.Capture;

namespace StreamLrcn.Dataflow;

/// <summary>
/// Keeps the decoded frames of a run so that each can be paired with its label (the live overlay,
/// annotated video). Preprocessing hands every frame over before its resized copy goes to the CNN,
/// so when a label reaches the sinks its frame is already here: <see cref="Take"/> never waits.
/// Frames arrive in label order, or nearly (parallel preprocessing workers may swap neighbours);
/// <see cref="Take"/> keeps aside the few that come early.
/// <para>
/// The channel waits when full (frame-exact, nothing is dropped). The pipeline sizes it with
/// <see cref="Open"/> to more than the frames it can hold between preprocessing and the CNN, so a
/// full tap always holds frames whose labels are on their way, and the wait always ends. The tap
/// owns the frames it holds; <see cref="Take"/> hands one over. One tap serves one run;
/// <see cref="Take"/> is called from one thread (the sink stage).
/// </para>
/// </summary>
public sealed class FrameTap : IDisposable
{
    private readonly Dictionary<(int Stream, long Sequence), Frame> _early = [];
    private Channel<Frame>? _frames;

    /// <summary>Decoded frames the channel holds at most (0 before <see cref="Open"/>).</summary>
    public int Capacity { get; private set; }

    /// <summary>Where preprocessing hands frames over; it completes the writer when it ends.</summary>
    public ChannelWriter<Frame> Writer => (_frames ?? throw new InvalidOperationException("the frame tap has not been opened by a pipeline run")).Writer;

    /// <summary>Creates the channel, for a run whose pipeline holds up to <paramref name="framesInFlight"/> frames between preprocessing and the CNN.</summary>
    public void Open(int framesInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(framesInFlight, 1);
        if (_frames is not null)
            throw new InvalidOperationException("a frame tap serves one run; this one has been opened already");
        Capacity = framesInFlight + 4;
        _frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    }

    /// <summary>
    /// Takes the frame that <paramref name="header"/> labels; the caller owns and disposes it.
    /// Throws <see cref="InvalidOperationException"/> when it is not there, which would mean a
    /// stage lost a frame or produced a label before its frame was handed over.
    /// </summary>
    public Frame Take(in FrameHeader header)
    {
        var key = (header.Stream.Id, header.Sequence);
        if (_early.Remove(key, out var kept))
            return kept;
        if (_frames is not null)
        {
            while (_frames.Reader.TryRead(out var frame))
            {
                if ((frame.Header.Stream.Id, frame.Header.Sequence) == key)
                    return frame;
                _early.Add((frame.Header.Stream.Id, frame.Header.Sequence), frame);
            }
        }
        throw new InvalidOperationException(
            $"frame tap: expected frame {header.Sequence} of stream {header.Stream.Name} to have been handed over, found {_early.Count} other frames and not that one");
    }

    public void Dispose()
    {
        if (_frames is not null)
            while (_frames.Reader.TryRead(out var left))
                left.Dispose();
        foreach (var frame in _early.Values)
            frame.Dispose();
        _early.Clear();
    }
}
