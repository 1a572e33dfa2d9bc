using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// One decoded frame. The frame owns <see cref="Image"/>: whoever holds the frame disposes it,
/// and writing it to a channel hands ownership to the reader. A holder that passes the frame on
/// and keeps using it too takes a second reference with <see cref="Share"/>; the last reference
/// disposed frees the image, or gives the frame back to its <see cref="FramePool"/>, which lends it
/// out again: nobody may touch a frame after disposing their reference.
/// </summary>
public sealed class Frame : IDisposable
{
    private readonly FramePool? _pool;
    private int _references = 1;

    public Frame(FrameHeader header, Mat image)
        : this(header, image, null)
    {
    }

    internal Frame(FrameHeader header, Mat image, FramePool? pool)
    {
        Header = header;
        Image = image;
        _pool = pool;
    }

    public FrameHeader Header { get; private set; }

    public Mat Image { get; }

    /// <summary>Sets the header of a frame just read into (the capture stage does, before handing it on).</summary>
    internal void Stamp(in FrameHeader header) => Header = header;

    /// <summary>Called by the pool when it lends the frame out again: one reference, its holder's.</summary>
    internal void Revive() => Volatile.Write(ref _references, 1);

    /// <summary>One more reference to this frame, which its taker disposes; throws once the frame is freed.</summary>
    public Frame Share()
    {
        int references;
        do
        {
            references = Volatile.Read(ref _references);
            if (references == 0)
                throw new ObjectDisposedException(nameof(Frame), $"frame {Header.Sequence} of stream '{Header.Stream.Name}' was shared after it was freed");
        }
        while (Interlocked.CompareExchange(ref _references, references + 1, references) != references);
        return this;
    }

    /// <summary>Drops one reference; the last one frees the image (or returns the frame to its pool). Disposing a freed frame does nothing.</summary>
    public void Dispose()
    {
        int references;
        do
        {
            references = Volatile.Read(ref _references);
            if (references == 0)
                return;
        }
        while (Interlocked.CompareExchange(ref _references, references - 1, references) != references);
        if (references != 1)
            return;
        if (_pool is not null)
            _pool.Return(this);
        else
            Image.Dispose();
    }
}
