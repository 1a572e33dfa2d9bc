using System.Threading.Channels;
using StreamLrcn.Pipeline;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Tests.Pipeline;

public sealed class OrderedEmitterTests
{
    [Fact]
    public void Results_finished_out_of_order_leave_in_the_order_they_were_taken()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<string>();
        for (var i = 0; i < 4; i++)
            input.Writer.TryWrite(i);
        var emitter = new OrderedEmitter<int, string>(input.Reader, output.Writer, _ => { });

        var taken = new List<(int Item, long Ticket)>();
        while (emitter.TryTake(out var item, out var ticket))
            taken.Add((item, ticket));

        // Finish 2, 0, 3, 1: nothing may leave before 0, and 1 releases 2 and 3 behind it.
        Assert.True(emitter.Emit(taken[2].Ticket, "two", CancellationToken.None));
        Assert.False(output.Reader.TryPeek(out _));
        Assert.True(emitter.Emit(taken[0].Ticket, "zero", CancellationToken.None));
        Assert.True(emitter.Emit(taken[3].Ticket, "three", CancellationToken.None));
        Assert.True(emitter.Emit(taken[1].Ticket, "one", CancellationToken.None));

        var emitted = new List<string>();
        while (output.Reader.TryRead(out var text))
            emitted.Add(text);
        Assert.Equal(["zero", "one", "two", "three"], emitted);
    }

    [Fact]
    public void Results_that_cannot_be_written_any_more_are_discarded()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<string>();
        input.Writer.TryWrite(1);
        input.Writer.TryWrite(2);
        var discarded = new List<string>();
        var emitter = new OrderedEmitter<int, string>(input.Reader, output.Writer, discarded.Add);
        emitter.TryTake(out _, out var first);
        emitter.TryTake(out _, out var second);

        emitter.Emit(second, "waiting", CancellationToken.None);
        output.Writer.Complete();
        Assert.False(emitter.Emit(first, "closed", CancellationToken.None));
        emitter.DiscardUnsent();

        Assert.Equal(["closed", "waiting"], discarded);
    }

    [Fact]
    public void A_worker_waiting_for_room_downstream_holds_up_neither_taking_nor_handing_over_by_the_others()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateBounded<string>(1);
        Assert.True(output.Writer.TryWrite("filler"));
        for (var i = 0; i < 3; i++)
            input.Writer.TryWrite(i);
        var emitter = new OrderedEmitter<int, string>(input.Reader, output.Writer, _ => { });
        emitter.TryTake(out _, out var first);
        emitter.TryTake(out _, out var second);

        // The first result is next in line but the output is full: its worker waits for room.
        var blocked = new Thread(() => emitter.Emit(first, "zero", CancellationToken.None)) { IsBackground = true };
        blocked.Start();
        SpinWait.SpinUntil(() => (blocked.ThreadState & ThreadState.WaitSleepJoin) != 0, TimeSpan.FromSeconds(10));

        // The other workers go on: they take work and hand results over without waiting for it.
        var others = Task.Run(() =>
        {
            Assert.True(emitter.TryTake(out var third, out _));
            Assert.Equal(2, third);
            Assert.True(emitter.Emit(second, "one", CancellationToken.None));
        });
        Assert.True(others.Wait(TimeSpan.FromSeconds(30)), "taking or emitting waited for the worker blocked on the full output");

        // Room downstream: the waiting worker writes its result and the one that became ready behind it, in order.
        var emitted = new List<string>();
        while (emitted.Count < 3)
            emitted.Add(output.Reader.ReadAsync().AsTask().GetAwaiter().GetResult());
        Assert.True(blocked.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(["filler", "zero", "one"], emitted);
    }
}
