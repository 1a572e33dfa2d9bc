using StreamLrcn.Capture;
using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>
/// A sink that works on the decoded frames (the live overlay, annotated video, snapshots). When a
/// run has one, every frame rides with its CNN row to its label, and the sink stage calls
/// <see cref="Write(FrameLabel, Frame)"/> with the frame that label is for: frame N's overlay is
/// frame N's label. The frame is lent for the call: a sink that keeps it past the call (hands it to
/// another thread) calls <see cref="Frame.Share"/> and disposes what it kept. Sinks see the frame in
/// the order they were given, each after the one before may have drawn on it.
/// </summary>
public interface IFrameSink : ILabelSink
{
    void Write(FrameLabel label, Frame frame);
}
