using System.Threading.Channels;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// A bounded pool of <see cref="FrameSlot"/>s, allocated up front. Renting waits while every slot
/// is in use, so the pool also bounds how many frames are between preprocessing and the CNN. A slot
/// returned twice, or to another pool, throws instead of putting two frames into one slot.
/// </summary>
public sealed class FrameSlotPool : IDisposable
{
    private readonly FrameSlot[] _all;
    private readonly Channel<FrameSlot> _free;

    public FrameSlotPool(int capacity, int width, int height)
    {
        _all = Enumerable.Range(0, capacity).Select(_ => new FrameSlot(width, height) { Pool = this }).ToArray();
        _free = Channel.CreateBounded<FrameSlot>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        foreach (var slot in _all)
            _free.Writer.TryWrite(slot);
    }

    public int Capacity => _all.Length;

    public int Width => _all[0].Width;

    public int Height => _all[0].Height;

    public async ValueTask<FrameSlot> RentAsync(CancellationToken cancellation)
    {
        var slot = await _free.Reader.ReadAsync(cancellation);
        Volatile.Write(ref slot.Rented, 1);
        return slot;
    }

    /// <summary>
    /// Rents a slot on a dedicated thread, waiting while every slot is in use. A free slot is taken
    /// without allocating (<see cref="RentAsync"/> awaited through <c>AsTask()</c> costs a task per frame).
    /// </summary>
    public FrameSlot Rent(CancellationToken cancellation)
    {
        var renting = RentAsync(cancellation);
        return renting.IsCompletedSuccessfully ? renting.Result : renting.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Puts a rented slot back. Throws <see cref="InvalidOperationException"/> for a slot that is not rented from this pool (returned twice, or another pool's).</summary>
    public void Return(FrameSlot slot)
    {
        if (slot.Pool != this)
            throw new InvalidOperationException("a slot was returned to a pool it does not belong to");
        if (Interlocked.Exchange(ref slot.Rented, 0) == 0)
            throw new InvalidOperationException("a slot was returned to its pool twice: two frames would have shared it");
        if (!_free.Writer.TryWrite(slot))
            throw new InvalidOperationException("a slot was returned to a full pool");
    }

    public void Dispose()
    {
        foreach (var slot in _all)
            slot.Dispose();
    }
}
