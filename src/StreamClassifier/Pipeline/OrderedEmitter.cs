using System.Threading.Channels;

namespace StreamLrcn.Pipeline;

/// <summary>
/// Lets several workers process items of one stage in parallel while the items leave in the
/// order they were taken: a worker takes an item together with a ticket (<see cref="TryTake"/>),
/// and <see cref="Emit"/> writes finished items downstream strictly in ticket order. Blocking
/// writes are meant for the dedicated worker threads that call it.
/// </summary>
public sealed class OrderedEmitter<TIn, TOut>(ChannelReader<TIn> input, ChannelWriter<TOut> output, Action<TOut> discard)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, TOut> _finished = [];
    private long _nextTicket;
    private long _nextToEmit;

    /// <summary>Takes the next item and its ticket, if one is there now.</summary>
    public bool TryTake(out TIn item, out long ticket)
    {
        lock (_gate)
        {
            if (input.TryRead(out item!))
            {
                ticket = _nextTicket++;
                return true;
            }
            ticket = -1;
            return false;
        }
    }

    /// <summary>
    /// Hands over the result for <paramref name="ticket"/> and writes every result that is now next
    /// in line. Returns false when the output was closed; results not written are discarded.
    /// </summary>
    public bool Emit(long ticket, TOut result, CancellationToken cancellation)
    {
        lock (_gate)
        {
            _finished.Add(ticket, result);
            while (_finished.Remove(_nextToEmit, out var next))
            {
                if (!Write(next, cancellation))
                {
                    discard(next);
                    return false;
                }
                _nextToEmit++;
            }
            return true;
        }
    }

    /// <summary>Discards results that can no longer be written (after a failure or cancellation).</summary>
    public void DiscardUnsent()
    {
        lock (_gate)
        {
            foreach (var unsent in _finished.Values)
                discard(unsent);
            _finished.Clear();
        }
    }

    private bool Write(TOut item, CancellationToken cancellation)
    {
        while (!output.TryWrite(item))
        {
            if (!output.WaitToWriteAsync(cancellation).AsTask().GetAwaiter().GetResult())
                return false;
        }
        return true;
    }
}
