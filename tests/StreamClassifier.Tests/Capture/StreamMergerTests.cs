using System.Threading.Channels;
using OpenCvSharp;
using StreamLrcn.Capture;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Capture;

public sealed class StreamMergerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Channel<Frame> LiveChannel() =>
        Channel.CreateBounded(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            (Frame dropped) => dropped.Dispose());

    [Fact]
    public async Task A_stream_that_never_delivers_keeps_one_outstanding_wait_however_many_idle_passes_the_others_cause()
    {
        var dead = LiveChannel();
        var live = LiveChannel();
        var deadReader = new WaitCountingReader(dead.Reader);
        var liveReader = new WaitCountingReader(live.Reader);
        var merged = Channel.CreateBounded<Frame>(1);
        using var deadline = new CancellationTokenSource(Patience);
        var run = new StreamMerger([deadReader, liveReader], merged.Writer, MergeOrder.FirstAvailable).RunAsync(CancellationToken.None);
        var stream = new StreamInfo(1, "live", 5);

        const int Frames = 20_000;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < Frames; i++)
        {
            // The merger is idle (waiting on both streams) before each frame: every frame costs one idle pass.
            await liveReader.WaitStarted.WaitAsync(deadline.Token);
            Assert.True(live.Writer.TryWrite(new Frame(new FrameHeader(stream, i, TimeSpan.Zero, 0, FrameFlags.None), new Mat())));
            using var frame = await merged.Reader.ReadAsync(deadline.Token);
            Assert.Equal(i, frame.Header.Sequence);
        }
        await liveReader.WaitStarted.WaitAsync(deadline.Token);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"{Frames} idle passes: {deadReader.Outstanding} wait(s) outstanding on the dead stream, "
            + $"managed heap {(heapAfter - heapBefore) / 1024.0:0} KiB larger (whole test process, for information)");

        Assert.Equal(Frames + 1, liveReader.Calls);
        Assert.Equal(1, deadReader.Outstanding);

        dead.Writer.Complete();
        live.Writer.Complete();
        await run.WaitAsync(deadline.Token);
        Assert.True(merged.Reader.Completion.IsCompleted);
        Assert.Equal(0, deadReader.Outstanding);
    }

    [Fact]
    public async Task Cancellation_ends_the_live_merge_while_streams_stay_open_and_completes_the_output()
    {
        var dead = LiveChannel();
        var merged = Channel.CreateBounded<Frame>(1);
        using var cancellation = new CancellationTokenSource();
        var run = new StreamMerger([dead.Reader, LiveChannel().Reader], merged.Writer, MergeOrder.FirstAvailable).RunAsync(cancellation.Token);

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience));
        Assert.True(merged.Reader.Completion.IsCompletedSuccessfully);
        Assert.False(dead.Reader.Completion.IsCompleted);
    }

    /// <summary>A real channel's reader that counts the waits asked of it and those not yet completed.</summary>
    private sealed class WaitCountingReader(ChannelReader<Frame> inner) : ChannelReader<Frame>
    {
        private int _calls;
        private int _outstanding;

        public int Calls => Volatile.Read(ref _calls);

        public int Outstanding => Volatile.Read(ref _outstanding);

        /// <summary>Released once for every wait asked.</summary>
        public SemaphoreSlim WaitStarted { get; } = new(0);

        public override Task Completion => inner.Completion;

        public override bool TryRead(out Frame item) => inner.TryRead(out item!);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Increment(ref _outstanding);
            var wait = Counted(inner.WaitToReadAsync(cancellationToken));
            WaitStarted.Release();
            return wait;
        }

        private async ValueTask<bool> Counted(ValueTask<bool> wait)
        {
            try
            {
                return await wait;
            }
            finally
            {
                Interlocked.Decrement(ref _outstanding);
            }
        }
    }
}
