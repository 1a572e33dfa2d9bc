using System.Runtime.InteropServices;
using OpenCvSharp;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// A fixed block of native memory that holds one resized frame (224x224 BGR bytes): a stream's
/// earlier frames for its difference image, or a single caller's frame. The owner disposes it.
/// </summary>
public sealed unsafe class FrameSlot : IDisposable
{
    public FrameSlot(int width, int height)
    {
        Width = width;
        Height = height;
        Length = width * height * 3;
        Pointer = (IntPtr)NativeMemory.AlignedAlloc((nuint)Length, 64);
    }

    public int Width { get; }

    public int Height { get; }

    public int Length { get; }

    public IntPtr Pointer { get; private set; }

    public ReadOnlySpan<byte> Span => new((void*)Pointer, Length);

    /// <summary>The slot's bytes, for the one who holds it to write.</summary>
    public Span<byte> WritableSpan => new((void*)Pointer, Length);

    public void Clear() => WritableSpan.Clear();

    private Mat? _mat;

    /// <summary>A Mat header over the slot's memory, created once; the slot disposes it.</summary>
    public Mat Mat => _mat ??= Mat.FromPixelData(Height, Width, MatType.CV_8UC3, Pointer);

    public void Dispose()
    {
        if (Pointer == IntPtr.Zero)
            return;
        _mat?.Dispose();
        NativeMemory.AlignedFree((void*)Pointer);
        Pointer = IntPtr.Zero;
    }
}
