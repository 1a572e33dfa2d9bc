using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Tests.Pipeline;

/// <summary>
/// <see cref="ReadWait{T}"/>: the batch assembler's wait for the next frame, the end of input or
/// the batch deadline, reusing one channel wait and one timer instead of a cancellable wait per batch.
/// </summary>
public sealed class ReadWaitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(10);
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task A_wait_ends_with_the_next_item_the_deadline_or_the_end_of_the_channel()
    {
        var channel = Channel.CreateUnbounded<int>();
        using var wait = new ReadWait<int>(channel.Reader, _clock, CancellationToken.None);

        var forItem = wait.WaitAsync(Deadline);
        await Task.Delay(50);
        Assert.False(forItem.IsCompleted);
        channel.Writer.TryWrite(1);
        Assert.Equal(ReadWaitResult.Readable, await forItem.AsTask().WaitAsync(Patience));

        // Readable at once while the item is there; the deadline only once the clock passes it.
        Assert.Equal(ReadWaitResult.Readable, await wait.WaitAsync(Deadline));
        Assert.True(channel.Reader.TryRead(out _));
        var forDeadline = wait.WaitAsync(Deadline);
        _clock.Advance(Deadline / 2);
        await Task.Delay(50);
        Assert.False(forDeadline.IsCompleted);
        _clock.Advance(Deadline);
        Assert.Equal(ReadWaitResult.Deadline, await forDeadline.AsTask().WaitAsync(Patience));

        // The channel's wait left pending by the deadline serves the next wait, without a deadline.
        var forEnd = wait.WaitAsync(Timeout.InfiniteTimeSpan);
        _clock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(50);
        Assert.False(forEnd.IsCompleted);
        channel.Writer.Complete();
        Assert.Equal(ReadWaitResult.Completed, await forEnd.AsTask().WaitAsync(Patience));
        Assert.Equal(ReadWaitResult.Completed, await wait.WaitAsync(Deadline));
        Assert.Equal(ReadWaitResult.Deadline, await wait.WaitAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task Cancellation_ends_a_wait_with_an_exception_and_refuses_the_next()
    {
        var channel = Channel.CreateUnbounded<int>();
        using var cancellation = new CancellationTokenSource();
        using var wait = new ReadWait<int>(channel.Reader, _clock, cancellation.Token);

        var waiting = wait.WaitAsync(Timeout.InfiniteTimeSpan);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask().WaitAsync(Patience));
        Assert.ThrowsAny<OperationCanceledException>(() => wait.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_tick_that_comes_late_or_early_does_not_end_a_wait_before_its_own_deadline()
    {
        var channel = Channel.CreateUnbounded<int>();
        var clock = new ManualTicks();
        using var wait = new ReadWait<int>(channel.Reader, clock, CancellationToken.None);

        // The first wait ends with an item; its timer's tick, already on its way, comes during the
        // next wait, which has no deadline: it must not end it.
        var first = wait.WaitAsync(Deadline);
        channel.Writer.TryWrite(1);
        Assert.Equal(ReadWaitResult.Readable, await first.AsTask().WaitAsync(Patience));
        Assert.True(channel.Reader.TryRead(out _));
        clock.Now += 20;
        var unbounded = wait.WaitAsync(Timeout.InfiniteTimeSpan);
        clock.Tick();
        await Task.Delay(50);
        Assert.False(unbounded.IsCompleted);
        channel.Writer.TryWrite(2);
        Assert.Equal(ReadWaitResult.Readable, await unbounded.AsTask().WaitAsync(Patience));
        Assert.True(channel.Reader.TryRead(out _));

        // A tick 3 ms early arms the timer for what is left; the tick at the deadline ends the wait.
        var bounded = wait.WaitAsync(Deadline);
        clock.Now += 7;
        clock.Tick();
        Assert.False(bounded.IsCompleted);
        Assert.Equal(TimeSpan.FromMilliseconds(3), clock.Due);
        clock.Now += 3;
        clock.Tick();
        Assert.Equal(ReadWaitResult.Deadline, await bounded.AsTask().WaitAsync(Patience));
    }

    [Fact]
    public void A_second_wait_while_one_is_pending_is_refused()
    {
        var channel = Channel.CreateUnbounded<int>();
        using var wait = new ReadWait<int>(channel.Reader, _clock, CancellationToken.None);
        var first = wait.WaitAsync(Deadline);

        var refused = Assert.Throws<InvalidOperationException>(() => wait.WaitAsync(Deadline));
        Assert.Contains("one wait at a time", refused.Message);
        channel.Writer.TryWrite(1);
        var written = first.AsTask();
        Assert.True(written.Wait(Patience), "the wait did not end when an item came");
        Assert.Equal(ReadWaitResult.Readable, written.Result);
    }

    [Fact]
    public void Waits_that_end_at_a_deadline_or_with_an_item_allocate_nothing_once_warm()
    {
        // Synchronous continuations and the fake clock keep every step on this thread, so the
        // thread's own count sees all of it. Each round: one wait ends at its deadline (leaving the
        // channel's wait pending), the next takes that wait over and ends with an item. A
        // cancellable channel wait per batch, as before, cost a few hundred bytes each.
        var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        using var cancellation = new CancellationTokenSource();
        using var wait = new ReadWait<int>(channel.Reader, _clock, cancellation.Token);
        const int Rounds = 4, PerRound = 500;

        long allocated = 0;
        var wrong = 0;
        for (var round = 0; round < Rounds; round++)
        {
            allocated = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < PerRound; i++)
            {
                // Counted, not asserted here: assertions allocate.
                var timedOut = wait.WaitAsync(Deadline);
                wrong += timedOut.IsCompleted ? 1 : 0;
                _clock.Advance(Deadline);
                wrong += timedOut.IsCompleted && timedOut.Result == ReadWaitResult.Deadline ? 0 : 1;

                var readable = wait.WaitAsync(Deadline);
                wrong += readable.IsCompleted ? 1 : 0;
                channel.Writer.TryWrite(i);
                wrong += readable.IsCompleted && readable.Result == ReadWaitResult.Readable ? 0 : 1;
                wrong += channel.Reader.TryRead(out var item) && item == i ? 0 : 1;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        }

        Assert.Equal(0, wrong);
        // The fake clock allocates on its own when a timer is armed: measured with the same timer
        // calls and taken off.
        var clock = ClockCost(PerRound);
        Assert.True(allocated - clock < 2 * PerRound, $"{2 * PerRound} waits allocated {allocated} bytes, of which the fake clock {clock}");
    }

    private static long ClockCost(int iterations)
    {
        var clock = new FakeTimeProvider();
        using var timer = clock.CreateTimer(static _ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        long allocated = 0;
        for (var round = 0; round < 2; round++)
        {
            allocated = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < iterations; i++)
            {
                timer.Change(Deadline, Timeout.InfiniteTimeSpan);
                clock.Advance(Deadline);
                timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                timer.Change(Deadline, Timeout.InfiniteTimeSpan);
                timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        }
        return allocated;
    }

    /// <summary>A clock in milliseconds whose one timer ticks when the test says so, early or late.</summary>
    private sealed class ManualTicks : TimeProvider
    {
        private TimerCallback? _callback;
        private object? _state;

        public long Now { get; set; }

        public TimeSpan Due { get; private set; } = Timeout.InfiniteTimeSpan;

        public override long TimestampFrequency => 1000;

        public override long GetTimestamp() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            (_callback, _state, Due) = (callback, state, dueTime);
            return new Timer(this);
        }

        public void Tick() => _callback!(_state);

        private sealed class Timer(ManualTicks clock) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                clock.Due = dueTime;
                return true;
            }

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => default;
        }
    }
}
