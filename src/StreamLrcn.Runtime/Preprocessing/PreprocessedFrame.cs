using StreamLrcn.Capture;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// A frame resized to the CNN input, held in a pooled slot. Whoever holds it returns the slot with
/// <see cref="Release"/>, which is idempotent: only the first call returns the slot.
/// </summary>
public sealed class PreprocessedFrame(FrameHeader header, FrameSlot slot, FrameSlotPool pool)
{
    private FrameSlotPool? _pool = pool;

    public FrameHeader Header { get; } = header;

    public FrameSlot Slot { get; } = slot;

    private FrameSlotPool? _differencePool;

    /// <summary>The frame's difference image (<see cref="DifferenceStage"/>); null for packages without a difference stream.</summary>
    public FrameSlot? Difference { get; private set; }

    /// <summary>Attaches the difference image; the frame then returns its slot to <paramref name="differencePool"/> on release.</summary>
    internal void AttachDifference(FrameSlot difference, FrameSlotPool differencePool)
    {
        if (Difference is not null)
            throw new InvalidOperationException("the frame already has a difference image");
        Difference = difference;
        _differencePool = differencePool;
    }

    public void Release()
    {
        Interlocked.Exchange(ref _pool, null)?.Return(Slot);
        if (Interlocked.Exchange(ref _differencePool, null) is { } differencePool)
            differencePool.Return(Difference!);
    }
}
