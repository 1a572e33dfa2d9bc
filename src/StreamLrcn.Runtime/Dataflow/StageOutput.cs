using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace StreamLrcn.Dataflow;

/// <summary>
/// How a stage writes to the channel after it. A bounded channel reuses its one waiting-writer
/// operation only for writes that cannot be cancelled; a replay's writers wait for room at nearly
/// every frame, so a write with a token would allocate each time. Stages therefore write without
/// a token and register <see cref="CompleteOnCancel"/> once per run: cancellation completes the
/// output (the next stage sees the end of its input, as when the stage ends), which wakes a
/// waiting write, and <see cref="WriteAsync"/> reports that as the cancellation it is.
/// </summary>
public static class StageOutput
{
    /// <summary>
    /// How every stage ends, however it ends: completes its output (with the stage's failure, so
    /// the next stage fails too; without one when it ended or was cancelled) and discards what is
    /// left in its input, which belongs to nobody else once the stage stops early.
    /// </summary>
    public static void End<TIn, TOut>(ChannelWriter<TOut> output, Exception? failure, ChannelReader<TIn> input, Action<TIn> discard)
    {
        output.TryComplete(failure);
        while (input.TryRead(out var left))
            discard(left);
    }

    /// <summary>Completes <paramref name="output"/> when <paramref name="cancellation"/> is cancelled.</summary>
    public static CancellationTokenRegistration CompleteOnCancel<T>(ChannelWriter<T> output, CancellationToken cancellation) =>
        cancellation.Register(static writer => ((ChannelWriter<T>)writer!).TryComplete(), output);

    /// <summary>
    /// Writes <paramref name="item"/>, waiting for room without a token; throws
    /// <see cref="OperationCanceledException"/> when the output was completed because
    /// <paramref name="cancellation"/> was cancelled (the item is then not written: its owner disposes it).
    /// The wait is the channel's <c>WaitToWriteAsync()</c>, whose one operation the channel reuses; a
    /// blocked <c>WriteAsync</c> would queue a new operation holding the item every time.
    /// </summary>
    public static ValueTask WriteAsync<T>(ChannelWriter<T> output, T item, CancellationToken cancellation) =>
        output.TryWrite(item) ? default : WaitAndWriteAsync(output, item, cancellation);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WaitAndWriteAsync<T>(ChannelWriter<T> output, T item, CancellationToken cancellation)
    {
        do
        {
            if (!await output.WaitToWriteAsync(CancellationToken.None))
            {
                cancellation.ThrowIfCancellationRequested();
                throw new ChannelClosedException("the next stage's channel was completed before this stage ended");
            }
        }
        while (!output.TryWrite(item));
    }
}
