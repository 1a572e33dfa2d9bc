namespace StreamLrcn.Overlay;

/// <summary>What the overlay says about the stream behind the picture.</summary>
public enum StreamState
{
    /// <summary>The source is opening; no frame has been labelled yet.</summary>
    Connecting,

    /// <summary>Frames are being labelled.</summary>
    Live,

    /// <summary>Frames stopped arriving from a live source; the overlay keeps the last frame until they resume.</summary>
    Reconnecting,

    /// <summary>Display paused by the user; the pipeline keeps running.</summary>
    Paused,

    /// <summary>The source ended normally.</summary>
    Ended,

    /// <summary>The source failed; the log says why.</summary>
    Failed,

    /// <summary>A recorded input, annotated frame by frame (replay --annotate).</summary>
    Recorded,
}
