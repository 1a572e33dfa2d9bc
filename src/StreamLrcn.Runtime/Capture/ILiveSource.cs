namespace StreamLrcn.Capture;

/// <summary>
/// A live network source as the daemon watches it: where it stands, what it has received, and its
/// status changes. <see cref="NetworkFrameSource"/> is one; a source that stands in for cameras
/// owned now by this process and now by another (the cluster's camera slots) is another.
/// </summary>
public interface ILiveSource : IInterruptibleSource
{
    StreamStatus Status { get; }

    /// <summary>Frames received from the camera so far.</summary>
    long FramesReceived { get; }

    /// <summary>Reconnect attempts made so far.</summary>
    long Reconnects { get; }

    /// <summary>Raised on the capture thread when the stream goes up or down or a reconnect starts.</summary>
    event Action<StreamStatusChange>? StatusChanged;
}
