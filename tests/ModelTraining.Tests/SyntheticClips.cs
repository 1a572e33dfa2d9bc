using OpenCvSharp;

namespace StreamLrcn.Training.Tests;

/// <summary>Writes small clips for tests: image-sequence folders (lossless PNG) and MJPG AVI files.</summary>
internal static class SyntheticClips
{
    public const int Width = 64;
    public const int Height = 48;

    /// <summary>
    /// Frames of a disc that grows and moves left to right over a plain background, colours and path
    /// drawn from <paramref name="seed"/>. The same seed always gives the same frames.
    /// </summary>
    public static Mat[] GrowingDisc(int frames, int seed)
    {
        var random = new Random(seed);
        var background = new Scalar(random.Next(40, 200), random.Next(40, 200), random.Next(40, 200));
        var disc = new Scalar(random.Next(0, 256), random.Next(0, 256), random.Next(0, 256));
        var y = random.Next(18, 30);
        var startX = random.Next(8, 20);
        var endX = random.Next(44, 56);
        var startRadius = random.Next(3, 6);
        var endRadius = random.Next(14, 20);
        var images = new Mat[frames];
        for (var i = 0; i < frames; i++)
        {
            var t = frames == 1 ? 0 : (double)i / (frames - 1);
            var image = new Mat(Height, Width, MatType.CV_8UC3, background);
            Cv2.Circle(image, new Point((int)(startX + t * (endX - startX)), y), (int)Math.Round(startRadius + t * (endRadius - startRadius)),
                disc, -1, LineTypes.AntiAlias);
            images[i] = image;
        }
        return images;
    }

    /// <summary>Writes <paramref name="images"/> as <c>frame_000.png</c>, … into <paramref name="folder"/> (played in that order).</summary>
    public static string WriteFolder(string folder, IReadOnlyList<Mat> images)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < images.Count; i++)
            Cv2.ImWrite(Path.Combine(folder, $"frame_{i:D3}.png"), images[i]);
        return folder;
    }

    public static string WriteAvi(string path, IReadOnlyList<Mat> images, double fps = 30)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var writer = new VideoWriter(path, FourCC.MJPG, fps, new Size(images[0].Width, images[0].Height)))
        {
            if (!writer.IsOpened())
                throw new InvalidOperationException($"OpenCV could not open a MJPG writer for {path}");
            foreach (var image in images)
                writer.Write(image);
        }
        return path;
    }

    public static void DisposeAll(IEnumerable<Mat> images)
    {
        foreach (var image in images)
            image.Dispose();
    }
}
