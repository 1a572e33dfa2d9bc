using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// One decoded frame. The frame owns <see cref="Image"/>: whoever holds the frame disposes it,
/// and writing it to a channel hands ownership to the reader. A holder that passes the frame on
/// and keeps using it too takes a second reference with <see cref="Share"/>; the image is freed
/// when the last reference is disposed.
/// </summary>
public sealed class Frame(FrameHeader header, Mat image) : IDisposable
{
    private int _references = 1;

    public FrameHeader Header { get; } = header;

    public Mat Image { get; } = image;

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

    /// <summary>Drops one reference; the last one frees the image. Disposing a freed frame does nothing.</summary>
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
        if (references == 1)
            Image.Dispose();
    }
}
