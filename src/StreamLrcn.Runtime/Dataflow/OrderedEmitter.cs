using System.Threading.Channels;

namespace StreamLrcn.Dataflow;

/// <summary>
/// Lets several workers process items of one stage in parallel while the items leave in the
/// order they were taken: a worker takes an item together with a ticket (<see cref="TryTake"/>),
/// and <see cref="Emit"/> writes finished items downstream strictly in ticket order. The lock only
/// guards the bookkeeping: the one worker whose result is next in line writes it, and whatever
/// became ready behind it, outside the lock, so a full output channel holds up that worker alone
/// while the others go on working. Blocking writes are meant for the dedicated worker threads
/// that call it.
/// </summary>
public sealed class OrderedEmitter<TIn, TOut>(ChannelReader<TIn> input, ChannelWriter<TOut> output, Action<TOut> discard)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, TOut> _finished = [];
    private readonly List<TOut> _ready = [];
    private long _nextTicket;
    private long _nextToEmit;
    private bool _writing;
    private bool _closed;

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
    /// Hands over the result for <paramref name="ticket"/>; it is written once every earlier ticket's
    /// result has been. Returns false when the output was found closed: this result and those not
    /// yet written are discarded.
    /// </summary>
    public bool Emit(long ticket, TOut result, CancellationToken cancellation)
    {
        lock (_gate)
        {
            if (_closed)
            {
                discard(result);
                return false;
            }
            _finished.Add(ticket, result);
            // Another worker is writing: it picks this result up when its turn comes.
            if (_writing)
                return true;
            _writing = true;
        }
        // Only this worker writes until it clears _writing, so results leave in ticket order; the
        // list is used by that one worker at a time.
        var written = 0;
        try
        {
            while (true)
            {
                lock (_gate)
                {
                    while (_finished.Remove(_nextToEmit, out var next))
                    {
                        _ready.Add(next);
                        _nextToEmit++;
                    }
                    if (_ready.Count == 0)
                    {
                        _writing = false;
                        return true;
                    }
                }
                for (written = 0; written < _ready.Count; written++)
                    if (!BlockingWait.Write(output, _ready[written], cancellation))
                        break;
                if (written < _ready.Count)
                    return Close();
                _ready.Clear();
            }
        }
        catch
        {
            // Cancelled while waiting for room: nothing more is written.
            Close();
            throw;
        }

        bool Close()
        {
            foreach (var unsent in _ready.Skip(written))
                discard(unsent);
            _ready.Clear();
            lock (_gate)
            {
                _closed = true;
                _writing = false;
            }
            DiscardUnsent();
            return false;
        }
    }

    /// <summary>Discards results that can no longer be written (after a failure or cancellation).</summary>
    public void DiscardUnsent()
    {
        TOut[] unsent;
        lock (_gate)
        {
            unsent = [.. _finished.Values];
            _finished.Clear();
        }
        // Callbacks run outside the lock.
        foreach (var item in unsent)
            discard(item);
    }
}
