using System.Diagnostics;
using System.Threading.Channels;
using StreamLrcn.Overlay;
using StreamLrcn.Temporal;
using StreamLrcn.Capture;

namespace StreamLrcn.Sinks;

/// <summary>
/// Feeds the live window: shares each label's frame (it rode with its CNN row) and offers the pair to the display channel, which keeps only the newest (a capacity-1 drop-oldest
/// channel whose drop callback disposes the evicted frame), so a slow or paused window never holds
/// up the pipeline. Follows every label (window label, rate) even when the window skips frames.
/// </summary>
public sealed class LiveDisplaySink(ChannelWriter<LabelledFrame> display, int windowSize) : IFrameSink
{
    private readonly Dictionary<int, StreamOverlayTracker> _trackers = [];

    /// <summary>A label that came without its frame: a run that keeps frames never does this.</summary>
    public void Write(FrameLabel label) =>
        throw new InvalidOperationException($"the live display needs frame {label.Header.Sequence} of stream '{label.Header.Stream.Name}' with its label; the pipeline did not keep frames");

    public void Write(FrameLabel label, Frame frame)
    {
        frame = frame.Share();
        if (!_trackers.TryGetValue(label.Header.Stream.Id, out var tracker))
            _trackers.Add(label.Header.Stream.Id, tracker = new StreamOverlayTracker(windowSize));
        tracker.Observe(label, Stopwatch.GetTimestamp());
        var name = label.Header.Stream.Name;
        var item = new LabelledFrame(frame, tracker.ContentFor(name, StreamState.Live, label, StreamOverlayTracker.LiveDetail(name, tracker.FramesPerSecond, label)));
        // A drop-oldest channel refuses only once completed (the window is gone): the frame is still ours then.
        if (!display.TryWrite(item))
            item.Dispose();
    }

    public void Flush()
    {
    }

    public void Dispose()
    {
    }
}
