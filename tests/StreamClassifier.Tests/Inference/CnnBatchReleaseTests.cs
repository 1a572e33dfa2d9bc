using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;

namespace StreamLrcn.Tests.Inference;

/// <summary>Pooled CNN batches: release is idempotent, a batch returned twice is caught instead of filled by two holders, and frames nobody took are freed.</summary>
public sealed class CnnBatchReleaseTests : IDisposable
{
    private readonly CnnBatchPool _pool = CnnBatchPool.HostOnly(2, 2, CnnStreams.RgbOnly);

    private static FrameHeader Header(long sequence) => new(new StreamInfo(0, "s", 30), sequence, TimeSpan.Zero, 0, FrameFlags.None);

    [Fact]
    public async Task Releasing_a_batch_twice_returns_it_once()
    {
        var batch = await _pool.RentAsync(CancellationToken.None);

        batch.Release();
        batch.Release();

        // Had the batch gone back twice, the pool would hold three and two rents could share one.
        Assert.Equal(2, _pool.Available);
        var a = await _pool.RentAsync(CancellationToken.None);
        var b = await _pool.RentAsync(CancellationToken.None);
        Assert.NotSame(a, b);
    }

    [Fact]
    public async Task A_batch_returned_twice_to_its_pool_throws_and_the_pool_keeps_distinct_batches()
    {
        var batch = await _pool.RentAsync(CancellationToken.None);
        batch.Release();

        var error = Assert.Throws<InvalidOperationException>(() => _pool.Return(batch));

        Assert.Contains("returned to its pool twice", error.Message);
        Assert.Equal(2, _pool.Available);
    }

    [Fact]
    public async Task A_batch_of_another_pool_is_refused()
    {
        using var other = CnnBatchPool.HostOnly(1, 2, CnnStreams.RgbOnly);
        var batch = await other.RentAsync(CancellationToken.None);

        Assert.Throws<InvalidOperationException>(() => _pool.Return(batch));
        batch.Release();
    }

    [Fact]
    public async Task A_rented_batch_is_empty_and_frames_nobody_took_are_freed_on_release()
    {
        var batch = await _pool.RentAsync(CancellationToken.None);
        var taken = new Frame(Header(0), new Mat(4, 4, MatType.CV_8UC3));
        var left = new Frame(Header(1), new Mat(4, 4, MatType.CV_8UC3));
        batch.Add(Header(0), taken);
        batch.Add(Header(1), left);
        Assert.True(batch.IsFull);
        Assert.Throws<InvalidOperationException>(() => batch.Add(Header(2)));

        Assert.Same(taken, batch.TakeFrame(0));
        Assert.Null(batch.TakeFrame(0));
        batch.Release();

        Assert.False(taken.Image.IsDisposed);
        Assert.True(left.Image.IsDisposed);
        taken.Dispose();
        var again = await _pool.RentAsync(CancellationToken.None);
        var other = await _pool.RentAsync(CancellationToken.None);
        Assert.All(new[] { again, other }, b => Assert.Equal(0, b.Count));
    }

    [Fact]
    public void A_shared_frame_keeps_its_image_until_the_last_reference_is_disposed()
    {
        var frame = new Frame(Header(0), new Mat(4, 4, MatType.CV_8UC3));
        var shared = frame.Share();

        frame.Dispose();
        Assert.False(shared.Image.IsDisposed);
        shared.Dispose();
        Assert.True(frame.Image.IsDisposed);
        frame.Dispose();
        Assert.Throws<ObjectDisposedException>(() => frame.Share());
    }

    public void Dispose() => _pool.Dispose();
}
