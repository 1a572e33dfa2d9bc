namespace StreamLrcn.Capture;

/// <summary>
/// A source whose <see cref="IFrameSource.Read"/> can block for long (a network stream that went
/// quiet). <see cref="CaptureStage"/> calls <see cref="Interrupt"/> when the run is cancelled so
/// the blocked read returns false at once; may be called from any thread.
/// </summary>
public interface IInterruptibleSource : IFrameSource
{
    void Interrupt();
}
