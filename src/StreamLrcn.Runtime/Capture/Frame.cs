using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// One decoded frame. The frame owns <see cref="Image"/>: whoever holds the frame disposes it,
/// and writing it to a channel hands ownership to the reader.
/// </summary>
public sealed class Frame(FrameHeader header, Mat image) : IDisposable
{
    public FrameHeader Header { get; } = header;

    public Mat Image { get; } = image;

    public void Dispose() => Image.Dispose();
}
