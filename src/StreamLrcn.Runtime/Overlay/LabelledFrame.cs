using StreamLrcn.Capture;

namespace StreamLrcn.Overlay;

/// <summary>A decoded frame with what its overlay shows. Owns the frame: whoever holds it disposes it.</summary>
public sealed class LabelledFrame(Frame frame, OverlayContent content) : IDisposable
{
    public Frame Frame { get; } = frame;

    public OverlayContent Content { get; } = content;

    public void Dispose() => Frame.Dispose();
}
