using OpenCvSharp;
using StreamLrcn.Preprocessing;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Preprocessing;

/// <summary>The wrapper-free OpenCV calls give what OpenCvSharp's own calls give.</summary>
public sealed class OpenCvCallsTests
{
    [Fact]
    public void Resize_equals_Cv2_Resize()
    {
        using var image = new Mat(480, 640, MatType.CV_8UC3);
        TestMedia.DrawFrame(image, 17);
        using var expected = new Mat();
        Cv2.Resize(image, expected, new Size(224, 224), 0, 0, InterpolationFlags.Linear);
        using var actual = new Mat(224, 224, MatType.CV_8UC3, Scalar.All(0));

        FrameResizer.Resize(image, actual);

        Assert.True(actual.AsSpan<byte>().SequenceEqual(expected.AsSpan<byte>()));
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.5)]
    public void AbsDiffScaled_equals_Cv2_Absdiff_then_ConvertTo(double scale)
    {
        using var a = new Mat(32, 32, MatType.CV_8UC3);
        using var b = new Mat(32, 32, MatType.CV_8UC3);
        TestMedia.DrawFrame(a, 3);
        TestMedia.DrawFrame(b, 40);
        using var expected = new Mat();
        Cv2.Absdiff(a, b, expected);
        expected.ConvertTo(expected, MatType.CV_8UC3, scale);
        using var actual = new Mat(32, 32, MatType.CV_8UC3, Scalar.All(0));

        OpenCvCalls.AbsDiffScaled(a, b, actual, scale);

        Assert.True(actual.AsSpan<byte>().SequenceEqual(expected.AsSpan<byte>()));
        Assert.Contains(actual.AsSpan<byte>().ToArray(), v => v > 0);
    }
}
