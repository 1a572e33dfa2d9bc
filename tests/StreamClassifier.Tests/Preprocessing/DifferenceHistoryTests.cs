using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Preprocessing;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Preprocessing;

public sealed class DifferenceHistoryTests : IDisposable
{
    private const int Size = ResNet18FeatureModel.InputSize;
    private readonly FrameSlot _output = new(Size, Size);
    private readonly List<FrameSlot> _frames = [];

    [SkippableFact]
    public void The_difference_of_two_real_frames_is_twice_their_absolute_difference_clamped_at_255()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var (a, b) = (RealFrame(20), RealFrame(21));
        using var history = new DifferenceHistory(new DifferenceSpec(), Size, Size);

        history.Next(a, _output);
        history.Next(b, _output);

        var expected = Expected(b, a, scale: 2);
        Assert.Equal(expected, _output.Span.ToArray());
        // A moving person: some pixels change, and some change by more than 127 (clamped).
        Assert.Contains(expected, v => v is > 0 and < 255);
        Assert.Contains(b.Span.ToArray().Zip(a.Span.ToArray()), p => Math.Abs(p.First - p.Second) * 2 > 255);
    }

    [SkippableFact]
    public void A_scale_other_than_two_is_applied_before_the_clamp()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var (a, b) = (RealFrame(30), RealFrame(33));
        using var history = new DifferenceHistory(new DifferenceSpec { Scale = 5 }, Size, Size);

        history.Next(a, _output);
        history.Next(b, _output);

        Assert.Equal(Expected(b, a, scale: 5), _output.Span.ToArray());
    }

    [Fact]
    public void The_first_frame_and_the_first_after_a_reset_get_an_all_zero_difference()
    {
        var (a, b, c) = (Filled(10), Filled(50), Filled(200));
        using var history = new DifferenceHistory(new DifferenceSpec(), Size, Size);

        history.Next(a, _output);
        Assert.All(_output.Span.ToArray(), v => Assert.Equal(0, v));
        history.Next(b, _output);
        Assert.All(_output.Span.ToArray(), v => Assert.Equal(80, v));

        history.Reset();
        history.Next(c, _output);
        Assert.All(_output.Span.ToArray(), v => Assert.Equal(0, v));
        history.Next(b, _output);
        // |50 - 200| * 2 = 300, clamped: the frame before the reset is forgotten, c is the reference.
        Assert.All(_output.Span.ToArray(), v => Assert.Equal(255, v));
    }

    [Fact]
    public void A_step_of_two_compares_with_the_frame_two_back_and_with_the_first_until_there_is_one()
    {
        var frames = new[] { 0, 10, 30, 60, 100 }.Select(v => Filled((byte)v)).ToArray();
        using var history = new DifferenceHistory(new DifferenceSpec { Step = 2, Scale = 1 }, Size, Size);
        var seen = new List<byte>();
        foreach (var frame in frames)
        {
            history.Next(frame, _output);
            seen.Add(_output.Span[0]);
            Assert.All(_output.Span.ToArray(), v => Assert.Equal(seen[^1], v));
        }

        // 0: none; 10: vs 0; 30: vs 0; 60: vs 10; 100: vs 30.
        Assert.Equal(new byte[] { 0, 10, 30, 50, 70 }, seen);
    }

    /// <summary>min(255, scale · |x − y|) per byte, computed here without OpenCV.</summary>
    private static byte[] Expected(FrameSlot x, FrameSlot y, int scale)
    {
        var (xs, ys) = (x.Span.ToArray(), y.Span.ToArray());
        return xs.Select((v, i) => (byte)Math.Min(255, scale * Math.Abs(v - ys[i]))).ToArray();
    }

    private FrameSlot RealFrame(int index)
    {
        using var source = new VideoFileSource(Path.Combine(SharedData.ArmGestures, "raise_arms_side", "p1_t1.avi"));
        using var image = new Mat();
        for (var i = 0; i <= index; i++)
            Assert.True(source.Read(image, out _), $"the clip has more than {i} frames");
        var slot = new FrameSlot(Size, Size);
        _frames.Add(slot);
        FrameResizer.Resize(image, slot.Mat);
        return slot;
    }

    private FrameSlot Filled(byte value)
    {
        var slot = new FrameSlot(Size, Size);
        _frames.Add(slot);
        slot.WritableSpan.Fill(value);
        return slot;
    }

    public void Dispose()
    {
        _output.Dispose();
        foreach (var slot in _frames)
            slot.Dispose();
    }
}
