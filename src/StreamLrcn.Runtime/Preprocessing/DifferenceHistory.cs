using OpenCvSharp;
using StreamLrcn.Models;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// The last <see cref="DifferenceSpec.Step"/> resized frames of one stream, and the difference image
/// each new frame makes with the oldest of them: <c>min(255, Scale · |frame_t − frame_t−Step|)</c>
/// per pixel and channel. After <see cref="Reset"/> (and at the start) there is no earlier frame: the
/// first frame gets an all-zero image (its difference with itself), and until <c>Step</c> frames
/// have been seen a frame is compared with the first frame since the reset. The trainer
/// featurizes clips through this very class, so a clip's first frame trains as the first frame
/// after a reset runs. Owns its slots (allocated once); used by one thread at a time.
/// </summary>
public sealed class DifferenceHistory : IDisposable
{
    private readonly FrameSlot[] _ring;
    private readonly double _scale;
    private int _count;
    private int _next;

    public DifferenceHistory(DifferenceSpec spec, int width, int height)
    {
        if (spec.Step < 1)
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Step, "the difference step must be at least 1");
        _ring = Enumerable.Range(0, spec.Step).Select(_ => new FrameSlot(width, height)).ToArray();
        _scale = spec.Scale;
    }

    /// <summary>Frames remembered since the last reset (at most the step).</summary>
    public int Count => _count;

    /// <summary>Forgets every earlier frame: the next frame's difference is all zeros.</summary>
    public void Reset()
    {
        _count = 0;
        _next = 0;
    }

    /// <summary>Writes the difference of <paramref name="current"/> into <paramref name="output"/>, then remembers <paramref name="current"/>.</summary>
    public void Next(FrameSlot current, FrameSlot output) => Next(current.Mat, output.Mat);

    /// <summary>
    /// Writes the difference of <paramref name="current"/> into <paramref name="output"/> (both
    /// continuous 8-bit BGR images of the history's size, such as a batch's rows), then remembers
    /// <paramref name="current"/>.
    /// </summary>
    public unsafe void Next(Mat current, Mat output)
    {
        var size = _ring[0].Length;
        if (!IsSlotSized(current) || !IsSlotSized(output))
            throw new ArgumentException($"expected continuous {_ring[0].Width}x{_ring[0].Height} BGR images, found {current.Width}x{current.Height} and {output.Width}x{output.Height}");
        if (_count == 0)
        {
            new Span<byte>((void*)output.Data, size).Clear();
        }
        else
        {
            // With fewer than Step frames seen, the oldest remembered one is the first since the reset.
            var reference = _ring[_count < _ring.Length ? 0 : _next];
            // convertTo on 8-bit saturates: the scaled difference is clamped at 255.
            OpenCvCalls.AbsDiffScaled(current, reference.Mat, output, _scale);
        }
        new ReadOnlySpan<byte>((void*)current.Data, size).CopyTo(_ring[_next].WritableSpan);
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
    }

    private bool IsSlotSized(Mat image) =>
        image.Width == _ring[0].Width && image.Height == _ring[0].Height && image.Type() == MatType.CV_8UC3 && image.IsContinuous();

    public void Dispose()
    {
        foreach (var slot in _ring)
            slot.Dispose();
    }
}
