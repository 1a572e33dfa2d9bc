using System.Threading.Channels;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Tests.Pipeline;

/// <summary>
/// <see cref="BlockingWait"/> and <see cref="StageOutput"/>: the waits of dedicated threads and
/// the writes of async stages on full channels, without a cancellable (allocating) channel wait.
/// </summary>
public sealed class BlockingWaitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_writer_blocked_on_a_full_channel_goes_on_when_a_reader_makes_room()
    {
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.Wait });
        Assert.True(channel.Writer.TryWrite(1));
        var writer = Task.Factory.StartNew(() => BlockingWait.UntilWritable(channel.Writer, CancellationToken.None), TaskCreationOptions.LongRunning);

        await Task.Delay(50);
        Assert.False(writer.IsCompleted);
        Assert.True(channel.Reader.TryRead(out _));
        Assert.True(await writer.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_completed_channel_ends_the_wait_with_false_and_cancellation_with_an_exception()
    {
        var full = Channel.CreateBounded<int>(1);
        full.Writer.TryWrite(1);
        var completedWhileWaiting = Task.Factory.StartNew(() => BlockingWait.UntilWritable(full.Writer, CancellationToken.None), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        full.Writer.Complete();
        Assert.False(await completedWhileWaiting.WaitAsync(Patience));

        var empty = Channel.CreateUnbounded<int>();
        using var cancellation = new CancellationTokenSource();
        var cancelledWhileWaiting = Task.Factory.StartNew(() => BlockingWait.UntilReadable(empty.Reader, cancellation.Token), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        Assert.False(cancelledWhileWaiting.IsCompleted);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelledWhileWaiting.WaitAsync(Patience));
    }

    [Fact]
    public void A_wait_abandoned_by_cancellation_does_not_wake_the_next_wait_on_the_same_thread()
    {
        var first = Channel.CreateUnbounded<int>();
        var second = Channel.CreateUnbounded<int>();
        var results = new List<string>();
        using var secondWaiting = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            // Cancelled before it starts: the wait on `first` is registered, then abandoned.
            try
            {
                BlockingWait.UntilReadable(first.Reader, new CancellationToken(canceled: true));
                results.Add("first ended without cancellation");
            }
            catch (OperationCanceledException)
            {
                results.Add("first cancelled");
            }
            secondWaiting.Set();
            var readable = BlockingWait.UntilReadable(second.Reader, CancellationToken.None);
            results.Add(second.Reader.TryRead(out var item) ? $"second read {item}" : $"second woke with nothing to read ({readable})");
        });
        thread.Start();
        Assert.True(secondWaiting.Wait(Patience));
        Thread.Sleep(100);
        // The abandoned wait completes now, while the thread waits on `second`: that must not end it.
        first.Writer.TryWrite(1);
        Thread.Sleep(100);
        Assert.True(thread.IsAlive, "the wait on `second` ended before anything was written to it");
        second.Writer.TryWrite(2);
        Assert.True(thread.Join(Patience));
        Assert.Equal(["first cancelled", "second read 2"], results);
    }

    [Fact]
    public void Blocking_waits_allocate_nothing_on_the_waiting_thread_once_warm()
    {
        // Ping-pong through a one-item channel: the writer blocks at nearly every item. What the
        // first blocks create once (the event's lock, the token's registrations, tiering) is paid
        // in warm-up rounds; the waits of the measured round must then cost (far) less than a byte
        // each, where a cancellable wait or AsTask() costs a hundred bytes and more every time.
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        using var cancellation = new CancellationTokenSource();
        const int Rounds = 4, PerRound = 500;
        var reader = Task.Factory.StartNew(() =>
        {
            while (BlockingWait.UntilReadable(channel.Reader, CancellationToken.None))
                channel.Reader.TryRead(out _);
        }, TaskCreationOptions.LongRunning);

        long allocated = 0;
        var blocked = 0;
        var item = 0;
        for (var round = 0; round < Rounds; round++)
        {
            allocated = GC.GetAllocatedBytesForCurrentThread();
            blocked = 0;
            for (var i = 0; i < PerRound; i++)
                blocked += Write(item++);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        }
        channel.Writer.Complete();
        Assert.True(reader.Wait(Patience));

        Assert.True(blocked > PerRound / 10, $"the writer waited only {blocked} times in {PerRound} writes: the test measured too little");
        Assert.True(allocated < blocked, $"{blocked} blocking waits allocated {allocated} bytes");

        int Write(int value)
        {
            var blocks = 0;
            while (!channel.Writer.TryWrite(value))
            {
                blocks++;
                if (!BlockingWait.UntilWritable(channel.Writer, cancellation.Token))
                    throw new InvalidOperationException("the channel completed early");
            }
            return blocks;
        }
    }

    [Fact]
    public async Task Cancelling_a_stage_completes_its_output_and_wakes_its_write_without_a_token()
    {
        var channel = Channel.CreateBounded<int>(1);
        channel.Writer.TryWrite(1);
        using var cancellation = new CancellationTokenSource();
        using (StageOutput.CompleteOnCancel(channel.Writer, cancellation.Token))
        {
            var write = StageOutput.WriteAsync(channel.Writer, 2, cancellation.Token).AsTask();
            await Task.Delay(50);
            Assert.False(write.IsCompleted);
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(Patience));
        }
        // What was written before stays readable; then the next stage sees the end of its input.
        Assert.True(channel.Reader.TryRead(out var item));
        Assert.Equal(1, item);
        Assert.False(await channel.Reader.WaitToReadAsync());
    }
}
