using OpenCvSharp;
using StreamLrcn.Capture;

namespace StreamLrcn.Training.Data;

/// <summary>
/// Writes synthetic clips of no gesture for a background class (<c>DATA/_none</c> or
/// <c>--background</c>) when no real recording of an idle scene is at hand: the first frame of a real
/// clip (the person standing before the gesture, the room, the lighting), held for
/// <see cref="IdleClipOptions.Frames"/> frames and, per <see cref="IdleKind"/>, given sensor noise, a
/// brightness flicker or a slow camera drift. They are what they say: a still scene as this camera
/// would show it, not people moving without a gesture. Files are MPEG-4 Part 2 in MP4 (the codec of
/// the arm-gesture clips) at the source clip's frame rate, named <c>STEM-LABEL-KIND.mp4</c> after
/// their source (<c>p1_t1-wave-noise.mp4</c>), so split patterns such as <c>*_t[12]*</c> pick the
/// same people and trials as for the gestures. The same sources and options give the same bytes,
/// so the trainer's feature cache hits on a rerun.
/// </summary>
public static class IdleClipWriter
{
    public const string Extension = ".mp4";

    /// <summary>The file beside the clips that says what they are (<see cref="IdleClipOptions.Describe"/>); the trainer copies it into the manifest.</summary>
    public const string DescriptionFile = "idle-clips.txt";

    /// <summary>What <see cref="DescriptionFile"/> in <paramref name="folder"/> says; null when there is none.</summary>
    public static string? DescriptionIn(string folder) =>
        File.Exists(Path.Combine(folder, DescriptionFile)) ? File.ReadAllText(Path.Combine(folder, DescriptionFile)).Trim() : null;

    /// <summary>Writes one clip per kind of <paramref name="options"/> for each source clip into <paramref name="folder"/>; returns their paths.</summary>
    /// <exception cref="FrameSourceException">A source clip cannot be decoded.</exception>
    /// <exception cref="IOException">OpenCV cannot write the file.</exception>
    public static IReadOnlyList<string> Write(IReadOnlyList<LabelledClip> sources, string folder, IdleClipOptions options)
    {
        options.Validate();
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        using var first = new Mat();
        foreach (var source in sources)
        {
            double fps;
            using (var reader = FrameSourceFactory.Open(source.Path))
            {
                if (!reader.Read(first, out _))
                    throw new FrameSourceException($"clip '{source.Path}' has no frames: expected at least one decodable frame to hold");
                fps = reader.FramesPerSecond > 0 ? reader.FramesPerSecond : 30;
            }
            var stem = Path.GetFileNameWithoutExtension(source.Name);
            foreach (var kind in options.Kinds)
            {
                var path = Path.Combine(folder, $"{stem}-{source.Label}-{kind.ToString().ToLowerInvariant()}{Extension}");
                WriteClip(first, kind, fps, path, options, StableSeed(options.Seed, Path.GetFileName(path)));
                written.Add(path);
            }
        }
        File.WriteAllText(Path.Combine(folder, DescriptionFile), $"{options.Describe()} from {sources.Count} clip(s) of {string.Join(", ", sources.Select(s => s.Label).Distinct())}\n");
        return written;
    }

    /// <summary>The frames of one idle clip, in memory: <paramref name="frame"/> changed as <paramref name="kind"/> says at each time step.</summary>
    public static Mat[] Frames(Mat frame, IdleKind kind, double fps, IdleClipOptions options, ulong seed)
    {
        var frames = new Mat[options.Frames];
        using var pure = new Mat();
        frame.ConvertTo(pure, MatType.CV_32FC3);
        using var moved = new Mat();
        using var noise = new Mat(frame.Size(), MatType.CV_32FC3);
        var phases = new Random((int)(seed & 0x7fffffff));
        var (flickerPhase, shakePhaseX, shakePhaseY) = (phases.NextDouble() * 2 * Math.PI, phases.NextDouble() * 2 * Math.PI, phases.NextDouble() * 2 * Math.PI);
        // OpenCV's random generator of this thread, seeded: the same noise on every run.
        Cv2.SetTheRNG(seed);
        for (var i = 0; i < frames.Length; i++)
        {
            var seconds = i / fps;
            if (kind == IdleKind.Shake)
            {
                var dx = options.ShakePixels * Math.Sin(2 * Math.PI * seconds / options.ShakeSeconds + shakePhaseX);
                var dy = options.ShakePixels * Math.Sin(2 * Math.PI * seconds / (0.7 * options.ShakeSeconds) + shakePhaseY);
                using var shift = Mat.FromArray(new double[,] { { 1, 0, dx }, { 0, 1, dy } });
                Cv2.WarpAffine(pure, moved, shift, frame.Size(), InterpolationFlags.Linear, BorderTypes.Reflect101);
            }
            else
            {
                pure.CopyTo(moved);
            }
            if (kind == IdleKind.Flicker)
                moved.ConvertTo(moved, MatType.CV_32FC3, 1 + options.FlickerAmplitude * Math.Sin(2 * Math.PI * options.FlickerHertz * seconds + flickerPhase));
            if (kind != IdleKind.Still && options.NoiseSigma > 0)
            {
                Cv2.Randn(noise, new Scalar(0, 0, 0), new Scalar(options.NoiseSigma, options.NoiseSigma, options.NoiseSigma));
                Cv2.Add(moved, noise, moved);
            }
            var output = new Mat();
            moved.ConvertTo(output, MatType.CV_8UC3);
            frames[i] = output;
        }
        return frames;
    }

    private static void WriteClip(Mat first, IdleKind kind, double fps, string path, IdleClipOptions options, ulong seed)
    {
        var frames = Frames(first, kind, fps, options, seed);
        try
        {
            using var writer = new VideoWriter(path, FourCC.FromString("mp4v"), fps, first.Size());
            if (!writer.IsOpened())
                throw new IOException($"OpenCV could not open an MPEG-4 (mp4v) writer for '{path}'");
            foreach (var frame in frames)
                writer.Write(frame);
        }
        finally
        {
            foreach (var frame in frames)
                frame.Dispose();
        }
    }

    /// <summary>A seed from <paramref name="seed"/> and a name that is the same in every process (string.GetHashCode is not).</summary>
    private static ulong StableSeed(int seed, string name)
    {
        var hash = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (var c in name)
            hash = (hash ^ c) * 1099511628211UL;
        return hash == 0 ? 1 : hash;
    }
}
