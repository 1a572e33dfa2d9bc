using System.Runtime.InteropServices;
using OpenCvSharp;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// A fixed block of native memory that holds one resized frame (224x224 BGR bytes). Slots are
/// created by <see cref="FrameSlotPool"/> and live as long as it does.
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

    /// <summary>1 while rented from its pool; the pool flips it with <see cref="Interlocked"/> to catch a slot returned twice.</summary>
    internal int Rented;

    /// <summary>The pool the slot belongs to; set once by that pool.</summary>
    internal FrameSlotPool? Pool { get; set; }

    public ReadOnlySpan<byte> Span => new((void*)Pointer, Length);

    /// <summary>The slot's bytes, for the one who holds it to write.</summary>
    public Span<byte> WritableSpan => new((void*)Pointer, Length);

    public void Clear() => WritableSpan.Clear();

    /// <summary>A Mat header over the slot's memory; the caller disposes the header, never the memory.</summary>
    public Mat AsMat() => Mat.FromPixelData(Height, Width, MatType.CV_8UC3, Pointer);

    public void Dispose()
    {
        if (Pointer == IntPtr.Zero)
            return;
        NativeMemory.AlignedFree((void*)Pointer);
        Pointer = IntPtr.Zero;
    }
}
