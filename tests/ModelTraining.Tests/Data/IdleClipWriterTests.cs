using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Tests.Data;

public sealed class IdleClipWriterTests : IDisposable
{
    private const double Fps = 30;
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_still_clip_holds_its_frame_exactly()
    {
        using var source = Textured();
        var frames = IdleClipWriter.Frames(source, IdleKind.Still, Fps, new IdleClipOptions([IdleKind.Still], Frames: 20), seed: 3);

        Assert.Equal(20, frames.Length);
        Assert.All(frames, f => Assert.Equal(Bytes(source), Bytes(f)));
        Dispose(frames);
    }

    [Fact]
    public void Noise_is_fresh_on_every_frame_zero_mean_with_the_sigma_asked_for()
    {
        using var source = Textured();
        var frames = IdleClipWriter.Frames(source, IdleKind.Noise, Fps, new IdleClipOptions([IdleKind.Noise], Frames: 10, NoiseSigma: 3), seed: 3);
        var pure = Bytes(source);

        foreach (var frame in frames)
        {
            var residual = Bytes(frame).Select((v, i) => (double)(v - pure[i])).ToArray();
            var mean = residual.Average();
            var sigma = Math.Sqrt(residual.Select(r => (r - mean) * (r - mean)).Average());
            Assert.InRange(mean, -0.1, 0.1);
            // Rounding to whole levels adds 1/12 to the variance.
            Assert.InRange(sigma, Math.Sqrt(9 + 1.0 / 12) * 0.97, Math.Sqrt(9 + 1.0 / 12) * 1.03);
        }
        Assert.NotEqual(Bytes(frames[0]), Bytes(frames[1]));
        Dispose(frames);
    }

    [Fact]
    public void Flicker_swings_the_whole_frames_brightness_by_the_amplitude_asked_for()
    {
        using var source = Textured();
        var frames = IdleClipWriter.Frames(source, IdleKind.Flicker, Fps, new IdleClipOptions([IdleKind.Flicker], Frames: 60, NoiseSigma: 0, FlickerAmplitude: 0.05, FlickerHertz: 2), seed: 3);
        var pureMean = Bytes(source).Average(b => (double)b);

        var ratios = frames.Select(f => Bytes(f).Average(b => (double)b) / pureMean).ToArray();

        // 1 + 0.05·sin(…): within ±5 % (and rounding), and over two periods close to both ends.
        Assert.All(ratios, r => Assert.InRange(r, 0.949, 1.051));
        Assert.True(ratios.Max() > 1.045 && ratios.Min() < 0.955, $"brightness ratios {ratios.Min():F4}-{ratios.Max():F4}");
        Dispose(frames);
    }

    [Fact]
    public void Shake_moves_the_whole_frame_by_at_most_the_pixels_asked_for_and_back_and_forth()
    {
        // A bright blob on a dark frame: its intensity centroid moves exactly as the frame does.
        using var source = new Mat(120, 160, MatType.CV_8UC3, new Scalar(0, 0, 0));
        Cv2.Circle(source, new Point(80, 60), 20, new Scalar(200, 200, 200), -1, LineTypes.AntiAlias);
        Cv2.GaussianBlur(source, source, new Size(9, 9), 3);
        var options = new IdleClipOptions([IdleKind.Shake], Frames: 60, NoiseSigma: 0, ShakePixels: 2, ShakeSeconds: 2);
        var frames = IdleClipWriter.Frames(source, IdleKind.Shake, Fps, options, seed: 3);
        var (x0, y0) = Centroid(source);

        var moves = frames.Select(f => Centroid(f)).Select(c => (X: c.X - x0, Y: c.Y - y0)).ToArray();

        Assert.All(moves, m => Assert.InRange(m.X, -2.05, 2.05));
        Assert.All(moves, m => Assert.InRange(m.Y, -2.05, 2.05));
        // 60 frames at 30 fps are one period along x and more than one along y: the frame goes both ways on both axes.
        Assert.True(moves.Max(m => m.X) - moves.Min(m => m.X) > 3.5, $"x moved {moves.Min(m => m.X):F2} to {moves.Max(m => m.X):F2}");
        Assert.True(moves.Max(m => m.Y) - moves.Min(m => m.Y) > 3.5, $"y moved {moves.Min(m => m.Y):F2} to {moves.Max(m => m.Y):F2}");
        Dispose(frames);
    }

    [Fact]
    public void Clips_of_a_real_dataset_are_named_after_their_source_and_written_the_same_twice()
    {
        var sources = new[] { "p1_t1.avi", "p2_t3.avi" }.Select(n => new LabelledClip("wave", 1, Path.Combine(TestData.ArmGestures, "wave", n))).ToArray();
        var options = new IdleClipOptions([IdleKind.Still, IdleKind.Shake], Frames: 12);

        var first = IdleClipWriter.Write(sources, _directory.Combine("a"), options);
        var second = IdleClipWriter.Write(sources, _directory.Combine("b"), options);

        Assert.Equal(["p1_t1-wave-still.mp4", "p1_t1-wave-shake.mp4", "p2_t3-wave-still.mp4", "p2_t3-wave-shake.mp4"], first.Select(Path.GetFileName));
        Assert.Equal(first.Select(File.ReadAllBytes), second.Select(File.ReadAllBytes));
        Assert.Contains("synthetic idle clips (still, shake; 12 frames", IdleClipWriter.DescriptionIn(_directory.Combine("a")));
        double sourceRate;
        using (var real = new VideoFileSource(sources[0].Path))
            sourceRate = real.FramesPerSecond;
        using var clip = new VideoFileSource(first[0]);
        using var image = new Mat();
        var count = 0;
        while (clip.Read(image, out _))
            count++;
        Assert.Equal(12, count);
        Assert.Equal(sourceRate, clip.FramesPerSecond, 0.01);
    }

    [Fact]
    public void A_background_folder_given_apart_from_the_dataset_trains_the_last_class_none()
    {
        foreach (var label in new[] { "wave", "raise_arms_side" })
        {
            Directory.CreateDirectory(_directory.Combine("data", label));
            File.WriteAllBytes(_directory.Combine("data", label, "p1_t1.avi"), [1]);
        }
        Directory.CreateDirectory(_directory.Combine("idle"));
        File.WriteAllBytes(_directory.Combine("idle", "p1_t1-wave-still.mp4"), [1]);
        File.WriteAllText(_directory.Combine("idle", IdleClipWriter.DescriptionFile), "what they are");

        var dataset = ClipDataset.Scan(_directory.Combine("data"), ["wave", "raise_arms_side"], _directory.Combine("idle"));
        var missing = Assert.Throws<DatasetException>(() => ClipDataset.Scan(_directory.Combine("data"), null, _directory.Combine("nowhere")));

        Assert.Equal(["wave", "raise_arms_side", "none"], dataset.Labels);
        Assert.Equal(["none/p1_t1-wave-still.mp4"], dataset.Clips.Where(c => c.LabelIndex == 2).Select(c => c.Id));
        Assert.Equal(Path.GetFullPath(_directory.Combine("idle")), dataset.Background);
        Assert.Contains("background folder", missing.Message);
        Assert.Contains("nowhere", missing.Message);
    }

    /// <summary>A frame with texture and no saturated pixels (values 40-190), so a gain is not clipped.</summary>
    private static Mat Textured()
    {
        var image = new Mat(96, 128, MatType.CV_8UC3, new Scalar(90, 110, 130));
        for (var i = 0; i < 6; i++)
            Cv2.Circle(image, new Point(15 + 20 * i, 20 + 10 * i), 8 + i, new Scalar(40 + 25 * i, 190 - 20 * i, 60 + 10 * i), -1);
        return image;
    }

    private static byte[] Bytes(Mat image)
    {
        image.GetArray(out Vec3b[] pixels);
        return pixels.SelectMany(p => new[] { p.Item0, p.Item1, p.Item2 }).ToArray();
    }

    /// <summary>Intensity centroid of the first channel, summed here pixel by pixel.</summary>
    private static (double X, double Y) Centroid(Mat image)
    {
        image.GetArray(out Vec3b[] pixels);
        double sum = 0, x = 0, y = 0;
        for (var i = 0; i < pixels.Length; i++)
        {
            var v = pixels[i].Item0;
            sum += v;
            x += v * (i % image.Width);
            y += v * (i / image.Width);
        }
        return (x / sum, y / sum);
    }

    private static void Dispose(IEnumerable<Mat> frames)
    {
        foreach (var frame in frames)
            frame.Dispose();
    }
}
