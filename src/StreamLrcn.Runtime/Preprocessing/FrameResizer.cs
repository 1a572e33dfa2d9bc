using OpenCvSharp;

namespace StreamLrcn.Preprocessing;

/// <summary>The one resize every path uses (replay, live, monitor, the trainer, calibration), so that all see the same CNN input.</summary>
public static class FrameResizer
{
    /// <summary>Resizes <paramref name="image"/> into <paramref name="target"/>'s memory, to its size (bilinear, as training does).</summary>
    public static void Resize(Mat image, Mat target) =>
        OpenCvCalls.Resize(image, target, new Size(target.Width, target.Height), InterpolationFlags.Linear);
}
