using System.Threading.Channels;
using StreamLrcn.Capture;

namespace StreamLrcn.Pipeline;

/// <summary>
/// Keeps the decoded frames of a run so that each can be paired with its label (for the live
/// overlay and annotated video). Preprocessing writes every frame here before its resized copy
/// goes to the CNN, and all stages after it keep order, so frames come out of the tap in exactly
/// the order labels reach the sinks: <see cref="Take"/> never waits and never searches.
/// <para>
/// The channel waits when full (frame-exact, nothing dropped): preprocessing then waits for the
/// sinks to take frames, which bounds the decoded frames held to <see cref="Capacity"/>. The tap
/// owns the frames it holds; <see cref="Take"/> hands one over. One tap serves one run.
/// </para>
/// </summary>
public sealed class FrameTap : IDisposable
{
    private readonly Channel<Frame> _frames;

    /// <param name="capacity">Decoded frames held at most; fewer than the frames in flight between preprocessing and the sinks only slows the run down.</param>
    public FrameTap(int capacity = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = false, SingleWriter = true,
        });
    }

    public int Capacity { get; }

    /// <summary>
    /// Room for every frame the pipeline can hold between preprocessing and the sinks (its slot
    /// pool and a batch in the CNN), so the tap slows a run only when the sinks are the slower part.
    /// </summary>
    public static int CapacityFor(PipelineOptions options) => 4 * options.Batching.MaxBatchSize + 4;

    /// <summary>Where preprocessing hands frames over; it completes the writer when it ends.</summary>
    public ChannelWriter<Frame> Writer => _frames.Writer;

    /// <summary>
    /// Takes the frame that <paramref name="header"/> labels; the caller owns and disposes it.
    /// Throws <see cref="InvalidOperationException"/> when the next frame is not that one, which
    /// would mean a stage reordered or lost frames.
    /// </summary>
    public Frame Take(in FrameHeader header)
    {
        if (!_frames.Reader.TryRead(out var frame))
            throw new InvalidOperationException(
                $"frame tap: expected frame {header.Sequence} of stream {header.Stream.Name} to be waiting, found no frame");
        if (frame.Header.Stream.Id != header.Stream.Id || frame.Header.Sequence != header.Sequence)
        {
            var found = frame.Header;
            frame.Dispose();
            throw new InvalidOperationException(
                $"frame tap: expected frame {header.Sequence} of stream {header.Stream.Name}, found frame {found.Sequence} of stream {found.Stream.Name}");
        }
        return frame;
    }

    public void Dispose()
    {
        while (_frames.Reader.TryRead(out var left))
            left.Dispose();
    }
}
