using StreamLrcn.Preprocessing;

namespace StreamLrcn.Inference;

/// <summary>Frames (from any streams) that go through the CNN together, in arrival order. The holder releases the frames.</summary>
public sealed class FrameBatch(PreprocessedFrame[] frames, BatchCloseReason closedBy)
{
    public PreprocessedFrame[] Frames { get; } = frames;

    public BatchCloseReason ClosedBy { get; } = closedBy;

    public int Count => Frames.Length;

    public void Release()
    {
        foreach (var frame in Frames)
            frame.Release();
    }
}
