using OpenCvSharp;
using StreamLrcn.Capture;

namespace StreamLrcn.Tests.Capture;

public sealed class FramePoolTests
{
    [Fact]
    public void A_freed_frame_comes_back_with_its_image_memory_and_one_reference()
    {
        using var pool = new FramePool(2);
        var frame = pool.Rent();
        frame.Image.Create(48, 64, MatType.CV_8UC3);
        var memory = frame.Image.Data;
        frame.Share().Dispose();
        Assert.Equal(0, pool.Available);

        frame.Dispose();
        Assert.Equal(1, pool.Available);
        var again = pool.Rent();

        Assert.Same(frame, again);
        Assert.False(again.Image.IsDisposed);
        // Read into at the same size, the image keeps its memory: no allocation per frame.
        again.Image.Create(48, 64, MatType.CV_8UC3);
        Assert.Equal(memory, again.Image.Data);
        // One reference again: a single dispose returns it.
        again.Dispose();
        Assert.Equal(1, pool.Available);
    }

    [Fact]
    public void A_full_pool_and_a_disposed_pool_free_what_comes_back()
    {
        var pool = new FramePool(1);
        var first = pool.Rent();
        var second = pool.Rent();
        var late = pool.Rent();
        first.Dispose();
        second.Dispose();

        Assert.False(first.Image.IsDisposed);
        Assert.True(second.Image.IsDisposed);
        pool.Dispose();
        Assert.True(first.Image.IsDisposed);
        late.Dispose();
        Assert.True(late.Image.IsDisposed);
    }
}
