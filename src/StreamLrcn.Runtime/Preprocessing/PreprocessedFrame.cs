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

    public void Release() => Interlocked.Exchange(ref _pool, null)?.Return(Slot);
}
