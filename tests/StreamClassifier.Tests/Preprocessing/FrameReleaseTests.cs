using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Preprocessing;

namespace StreamLrcn.Tests.Preprocessing;

/// <summary>Pooled frames and feature batches: release is idempotent, and a slot returned twice is caught instead of shared by two frames.</summary>
public sealed class FrameReleaseTests
{
    private static FrameHeader Header(long sequence) => new(new StreamInfo(0, "s", 30), sequence, TimeSpan.Zero, 0, FrameFlags.None);

    [Fact]
    public async Task Releasing_a_frame_twice_returns_its_slot_once()
    {
        using var pool = new FrameSlotPool(2, 8, 8);
        var frame = new PreprocessedFrame(Header(0), await pool.RentAsync(CancellationToken.None), pool);

        frame.Release();
        frame.Release();

        // Had the slot gone back twice, the two rents would hand out the same slot.
        var a = await pool.RentAsync(CancellationToken.None);
        var b = await pool.RentAsync(CancellationToken.None);
        Assert.NotSame(a, b);
    }

    [Fact]
    public async Task A_slot_returned_twice_through_two_frames_throws_and_the_pool_keeps_distinct_slots()
    {
        using var pool = new FrameSlotPool(2, 8, 8);
        var slot = await pool.RentAsync(CancellationToken.None);
        var first = new PreprocessedFrame(Header(0), slot, pool);
        var second = new PreprocessedFrame(Header(1), slot, pool);

        first.Release();
        var error = Assert.Throws<InvalidOperationException>(second.Release);

        Assert.Contains("returned to its pool twice", error.Message);
        var a = await pool.RentAsync(CancellationToken.None);
        var b = await pool.RentAsync(CancellationToken.None);
        Assert.NotSame(a, b);
    }

    [Fact]
    public async Task A_slot_of_another_pool_is_refused()
    {
        using var pool = new FrameSlotPool(1, 8, 8);
        using var other = new FrameSlotPool(1, 8, 8);
        var slot = await other.RentAsync(CancellationToken.None);

        Assert.Throws<InvalidOperationException>(() => pool.Return(slot));
    }

    [Fact]
    public void A_feature_batch_returns_its_array_once_and_refuses_reads_after_release()
    {
        var features = System.Buffers.ArrayPool<float>.Shared.Rent(4);
        features[0] = 1;
        var batch = new FeatureBatch([Header(0)], features, 4);
        Assert.Equal(1, batch.FeaturesOf(0)[0]);

        batch.Release();
        batch.Release();

        Assert.Throws<ObjectDisposedException>(() => batch.FeaturesOf(0).ToArray());
    }
}
