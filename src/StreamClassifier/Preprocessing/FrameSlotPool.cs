using System.Threading.Channels;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// A bounded pool of <see cref="FrameSlot"/>s, allocated up front. Renting waits while every slot
/// is in use, so the pool also bounds how many frames are between preprocessing and the CNN.
/// </summary>
public sealed class FrameSlotPool : IDisposable
{
    private readonly FrameSlot[] _all;
    private readonly Channel<FrameSlot> _free;

    public FrameSlotPool(int capacity, int width, int height)
    {
        _all = Enumerable.Range(0, capacity).Select(_ => new FrameSlot(width, height)).ToArray();
        _free = Channel.CreateBounded<FrameSlot>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        foreach (var slot in _all)
            _free.Writer.TryWrite(slot);
    }

    public int Capacity => _all.Length;

    public ValueTask<FrameSlot> RentAsync(CancellationToken cancellation) => _free.Reader.ReadAsync(cancellation);

    public void Return(FrameSlot slot)
    {
        if (!_free.Writer.TryWrite(slot))
            throw new InvalidOperationException("a slot was returned to a full pool: it was returned twice or does not belong to this pool");
    }

    public void Dispose()
    {
        foreach (var slot in _all)
            slot.Dispose();
    }
}
