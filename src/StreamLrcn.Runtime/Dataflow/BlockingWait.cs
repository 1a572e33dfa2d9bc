using System.Threading.Channels;

namespace StreamLrcn.Dataflow;

/// <summary>
/// Blocks a dedicated thread (a capture thread, a CNN lane) on a channel's wait without
/// allocating. <c>WaitToWriteAsync(token).AsTask().GetAwaiter().GetResult()</c> costs a wait
/// operation and a task every time it blocks: a channel reuses its one wait operation only for a
/// wait that cannot be cancelled. So the channel is asked without a token, the thread sleeps on
/// its own event, which the wait's completion sets, and the token wakes the event instead.
/// </summary>
public static class BlockingWait
{
    [ThreadStatic]
    private static Signal? t_signal;

    /// <summary>
    /// Waits until <paramref name="writer"/> has room (true) or is completed (false); throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> is cancelled first.
    /// </summary>
    public static bool UntilWritable<T>(ChannelWriter<T> writer, CancellationToken cancellation) =>
        Block(writer.WaitToWriteAsync(CancellationToken.None), cancellation);

    /// <summary>
    /// Writes <paramref name="item"/>, blocking while <paramref name="writer"/> is full: true once
    /// written, false when the channel was completed first (the item is then still the caller's);
    /// throws when cancelled first.
    /// </summary>
    public static bool Write<T>(ChannelWriter<T> writer, T item, CancellationToken cancellation)
    {
        while (!writer.TryWrite(item))
        {
            if (!UntilWritable(writer, cancellation))
                return false;
        }
        return true;
    }

    /// <summary>Waits until <paramref name="reader"/> has an item (true) or is completed and empty (false); throws when cancelled first.</summary>
    public static bool UntilReadable<T>(ChannelReader<T> reader, CancellationToken cancellation) =>
        Block(reader.WaitToReadAsync(CancellationToken.None), cancellation);

    private static bool Block(ValueTask<bool> wait, CancellationToken cancellation)
    {
        if (!wait.IsCompleted)
        {
            var signal = t_signal ??= new Signal();
            var awaiter = wait.GetAwaiter();
            awaiter.UnsafeOnCompleted(signal.Set);
            // A wait abandoned by an earlier cancellation may still set the event when its channel
            // moves: resetting before each check makes such a late signal harmless.
            while (true)
            {
                signal.Event.Reset();
                if (wait.IsCompleted)
                    break;
                signal.Event.Wait(cancellation);
            }
        }
        return wait.GetAwaiter().GetResult();
    }

    private sealed class Signal
    {
        public Signal() => Set = Event.Set;

        public ManualResetEventSlim Event { get; } = new(false, spinCount: 0);

        /// <summary>Cached, so that registering it as the continuation allocates nothing.</summary>
        public Action Set { get; }
    }
}
