using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace StreamLrcn.Dataflow;

/// <summary>How a <see cref="ReadWait{T}"/> ended.</summary>
public enum ReadWaitResult
{
    /// <summary>The channel has an item to read.</summary>
    Readable,

    /// <summary>The channel is completed and empty.</summary>
    Completed,

    /// <summary>The deadline passed first.</summary>
    Deadline,
}

/// <summary>
/// Waits, again and again, for one reader's next item, its end or a deadline, without allocating:
/// the async counterpart of <see cref="BlockingWait"/> for a stage that must also wake on a clock
/// (the batch assembler closing a batch at its deadline). A channel reuses its one wait operation
/// only for a wait that cannot be cancelled, and a cancellable wait that times out cannot be
/// reused. So the channel is asked without a token; a deadline that passes first completes this
/// wait instead and leaves the channel's wait pending, and the next wait takes it over. One timer
/// serves every deadline, and the cancellation is registered once. One wait at a time.
/// </summary>
public sealed class ReadWait<T> : IValueTaskSource<ReadWaitResult>, IDisposable
{
    private readonly ChannelReader<T> _reader;
    private readonly TimeProvider _clock;
    private readonly CancellationToken _cancellation;
    private readonly Lock _gate = new();
    private readonly Action _onChannel;
    private readonly ITimer _timer;
    private readonly CancellationTokenRegistration _registration;
    private ManualResetValueTaskSourceCore<ReadWaitResult> _core = new() { RunContinuationsAsynchronously = true };
    private ValueTask<bool> _channelWait;
    private bool _channelWaitPending;
    private bool _waiting;
    private long _deadline;

    public ReadWait(ChannelReader<T> reader, TimeProvider clock, CancellationToken cancellation)
    {
        _reader = reader;
        _clock = clock;
        _cancellation = cancellation;
        _onChannel = OnChannel;
        _timer = clock.CreateTimer(static state => ((ReadWait<T>)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _registration = cancellation.UnsafeRegister(static state => ((ReadWait<T>)state!).OnCancel(), this);
    }

    /// <summary>
    /// Waits until the channel has an item or is completed and empty, or until
    /// <paramref name="timeout"/> has passed (<see cref="Timeout.InfiniteTimeSpan"/>: no deadline);
    /// throws <see cref="OperationCanceledException"/> when the token given at construction is cancelled first.
    /// A timeout already passed ends the wait at once with <see cref="ReadWaitResult.Deadline"/>.
    /// </summary>
    public ValueTask<ReadWaitResult> WaitAsync(TimeSpan timeout)
    {
        _cancellation.ThrowIfCancellationRequested();
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            return new ValueTask<ReadWaitResult>(ReadWaitResult.Deadline);
        lock (_gate)
        {
            if (_waiting)
                throw new InvalidOperationException("a ReadWait serves one wait at a time");
            var started = false;
            if (!_channelWaitPending)
            {
                var wait = _reader.WaitToReadAsync(CancellationToken.None);
                if (wait.IsCompleted)
                    return new ValueTask<ReadWaitResult>(wait.GetAwaiter().GetResult() ? ReadWaitResult.Readable : ReadWaitResult.Completed);
                _channelWait = wait;
                _channelWaitPending = started = true;
            }
            _core.Reset();
            _waiting = true;
            if (timeout == Timeout.InfiniteTimeSpan)
                _deadline = long.MaxValue;
            else
            {
                _deadline = _clock.GetTimestamp() + (long)(timeout.TotalSeconds * _clock.TimestampFrequency);
                _timer.Change(timeout, Timeout.InfiniteTimeSpan);
            }
            // Registered once this wait is set up: should the continuation run inline, it takes the
            // lock this thread holds (a lock is re-entrant) and completes this wait.
            if (started)
                _channelWait.GetAwaiter().UnsafeOnCompleted(_onChannel);
            // A cancel between the check above and now found no wait to end.
            if (_waiting && _cancellation.IsCancellationRequested)
                Complete(null);
            return new ValueTask<ReadWaitResult>(this, _core.Version);
        }
    }

    private void OnChannel()
    {
        lock (_gate)
        {
            // The channel's wait is consumed here, which hands its reusable operation back to it.
            var readable = _channelWait.GetAwaiter().GetResult();
            _channelWait = default;
            _channelWaitPending = false;
            if (_waiting)
                Complete(readable ? ReadWaitResult.Readable : ReadWaitResult.Completed);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            // A late tick of an earlier wait's deadline, or a tick a little early (timers count
            // coarser time than the clock), finds this wait's deadline still ahead: it arms the
            // timer for what is left, if anything.
            if (!_waiting || _deadline == long.MaxValue)
                return;
            var left = _clock.GetElapsedTime(_clock.GetTimestamp(), _deadline);
            if (left <= TimeSpan.Zero)
                Complete(ReadWaitResult.Deadline);
            else
                _timer.Change(left, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnCancel()
    {
        lock (_gate)
        {
            if (_waiting)
                Complete(null);
        }
    }

    /// <summary>Ends the current wait with <paramref name="result"/>, or as cancelled when null. Under the lock.</summary>
    private void Complete(ReadWaitResult? result)
    {
        _waiting = false;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (result is { } value)
            _core.SetResult(value);
        else
            _core.SetException(new OperationCanceledException(_cancellation));
    }

    ReadWaitResult IValueTaskSource<ReadWaitResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadWaitResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<ReadWaitResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Stops the timer and the cancellation callback; a channel wait still pending ends with its channel.</summary>
    public void Dispose()
    {
        _registration.Dispose();
        _timer.Dispose();
    }
}
