using OpenCvSharp;
using StreamLrcn.Overlay;

namespace StreamLrcn.Tests.Support;

/// <summary>Reads back what an overlay shows from the pixels of a frame (rendered, shown or decoded from a video).</summary>
public static class OverlayProbe
{
    /// <summary>Probability of each class, most probable first with ties in class order: the row order of the bars.</summary>
    public static int[] BarOrder(float[] probabilities) =>
        Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i).ToArray();

    /// <summary>
    /// Filled length of bar row <paramref name="row"/>, assuming it shows class <paramref name="classIndex"/>:
    /// over the middle rows of the bar, pixels closer to the class colour than to the track's grey,
    /// counted and averaged (robust to a blurred edge after lossy compression).
    /// </summary>
    public static double FilledLength(Mat image, OverlayLayout layout, int row, int classIndex)
    {
        var track = layout.Bars[row];
        var fill = OverlayRenderer.ClassColor(classIndex);
        var grey = OverlayRenderer.TrackColor;
        var rows = Enumerable.Range(track.Y + track.Height / 4, Math.Max(1, track.Height / 2)).ToArray();
        double total = 0;
        foreach (var y in rows)
        {
            var count = 0;
            for (var x = track.X; x < track.X + layout.BarLength; x++)
            {
                var p = image.At<Vec3b>(y, x);
                if (Distance(p, fill) < Distance(p, grey))
                    count++;
            }
            total += count;
        }
        return total / rows.Length;
    }

    /// <summary>The class whose palette colour is nearest to the mean colour inside the label swatch.</summary>
    public static int SwatchClass(Mat image, OverlayLayout layout, int classCount)
    {
        var inner = layout.Swatch;
        var shrink = Math.Max(1, inner.Width / 4);
        using var region = new Mat(image, new Rect(inner.X + shrink, inner.Y + shrink, inner.Width - 2 * shrink, inner.Height - 2 * shrink));
        var mean = Cv2.Mean(region);
        var colour = new Vec3b((byte)mean.Val0, (byte)mean.Val1, (byte)mean.Val2);
        return Enumerable.Range(0, classCount).OrderBy(c => Distance(colour, OverlayRenderer.ClassColor(c))).First();
    }

    /// <summary>Mean absolute difference per channel value between two equally sized regions.</summary>
    public static double MeanDifference(Mat a, Mat b, Rect region)
    {
        using var ra = new Mat(a, region);
        using var rb = new Mat(b, region);
        using var diff = new Mat();
        Cv2.Absdiff(ra, rb, diff);
        var mean = Cv2.Mean(diff);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }

    private static double Distance(Vec3b p, Scalar c) =>
        Math.Abs(p.Item0 - c.Val0) + Math.Abs(p.Item1 - c.Val1) + Math.Abs(p.Item2 - c.Val2);
}
