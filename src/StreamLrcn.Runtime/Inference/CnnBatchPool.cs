using System.Threading.Channels;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// A bounded pool of <see cref="CnnBatch"/>es, allocated up front by <see cref="FeatureExtractor.CreateBatchPool"/>.
/// Renting waits while every batch is in use, so the pool bounds how many frames are between
/// preprocessing and the labels. A batch returned twice, or to another pool, throws instead of
/// letting two holders fill one buffer.
/// </summary>
public sealed class CnnBatchPool : IDisposable
{
    private readonly CnnBatch[] _all;
    private readonly Channel<CnnBatch> _free;

    internal CnnBatchPool(Func<CnnBatchPool, CnnBatch> create, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _all = new CnnBatch[capacity];
        _free = Channel.CreateBounded<CnnBatch>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        for (var i = 0; i < capacity; i++)
        {
            _all[i] = create(this);
            _free.Writer.TryWrite(_all[i]);
        }
    }

    /// <summary>A pool of batches in plain host memory with no CNN session behind them, for tests of the stages around the CNN.</summary>
    internal static CnnBatchPool HostOnly(int capacity, int maxFrames, CnnStreams streams, int featureSize = ResNet18FeatureModel.FeatureSize) =>
        new(pool => new CnnBatch(null, new ExecutionTarget(false, "host"), 0, maxFrames, streams, featureSize, pool), capacity);

    public int Capacity => _all.Length;

    public int MaxFrames => _all[0].MaxFrames;

    public CnnStreams Streams => _all[0].Streams;

    /// <summary>Batches free right now.</summary>
    public int Available => _free.Reader.Count;

    /// <summary>An empty batch, waiting while every batch is in use.</summary>
    public async ValueTask<CnnBatch> RentAsync(CancellationToken cancellation)
    {
        var batch = _free.Reader.TryRead(out var free) ? free : await _free.Reader.ReadAsync(cancellation);
        Volatile.Write(ref batch.Rented, 1);
        batch.Open(this);
        return batch;
    }

    /// <summary>Takes a batch back (through <see cref="CnnBatch.Release"/>); throws <see cref="InvalidOperationException"/> for one not rented from this pool.</summary>
    internal void Return(CnnBatch batch)
    {
        if (batch.Pool != this)
            throw new InvalidOperationException("a CNN batch was returned to a pool it does not belong to");
        if (Interlocked.Exchange(ref batch.Rented, 0) == 0)
            throw new InvalidOperationException("a CNN batch was returned to its pool twice: two holders would have filled it");
        if (!_free.Writer.TryWrite(batch))
            throw new InvalidOperationException("a CNN batch was returned to a full pool");
    }

    public void Dispose()
    {
        foreach (var batch in _all)
            batch.Dispose();
    }
}
