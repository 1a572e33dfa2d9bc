using System.Diagnostics;
using OpenCvSharp;

namespace StreamLrcn.Tests.Support;

/// <summary>Generates real media files for tests: H.264 through the system ffmpeg, MJPG/AVI through OpenCV, image folders.</summary>
public static class TestMedia
{
    public static bool HasFfmpeg => Which("ffmpeg") is not null && Which("ffprobe") is not null;

    /// <summary>A 640x480 H.264 MP4 (moov at the front, so a cut-off copy still opens) of ffmpeg's moving test pattern.</summary>
    public static string H264(string path, int frames = 300, int width = 640, int height = 480, int fps = 30)
    {
        Run("ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate={fps}",
            "-frames:v", frames.ToString(), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", path);
        return path;
    }

    /// <summary>An MJPG AVI written by OpenCV: a gradient with a square that moves one pixel per frame.</summary>
    public static string MjpgAvi(string path, int frames = 300, int width = 640, int height = 480, double fps = 30)
    {
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new Size(width, height));
        if (!writer.IsOpened())
            throw new InvalidOperationException($"OpenCV could not open an MJPG writer for {path}");
        using var image = new Mat(height, width, MatType.CV_8UC3);
        for (var i = 0; i < frames; i++)
        {
            DrawFrame(image, i);
            writer.Write(image);
        }
        return path;
    }

    /// <summary>A folder of PNG frames named frame_0000.png … in time order.</summary>
    public static string ImageFolder(string folder, int frames, int width = 320, int height = 240)
    {
        Directory.CreateDirectory(folder);
        using var image = new Mat(height, width, MatType.CV_8UC3);
        for (var i = 0; i < frames; i++)
        {
            DrawFrame(image, i);
            Cv2.ImWrite(Path.Combine(folder, $"frame_{i:0000}.png"), image);
        }
        return folder;
    }

    public static void DrawFrame(Mat image, int index)
    {
        image.SetTo(new Scalar(index * 7 % 256, 80, 255 - index * 5 % 256));
        var side = Math.Max(8, image.Height / 6);
        var x = index % Math.Max(1, image.Width - side);
        Cv2.Rectangle(image, new Rect(x, image.Height / 3, side, side), Scalar.White, -1);
    }

    /// <summary>Keeps the first <paramref name="fraction"/> of a file's bytes: a recording cut off mid-stream.</summary>
    public static string Truncated(string source, string path, double fraction = 0.5)
    {
        var bytes = File.ReadAllBytes(source);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * fraction)]);
        return path;
    }

    /// <summary>A copy of a file with <paramref name="length"/> bytes from <paramref name="offset"/> overwritten by seeded random bytes: damage inside a recording, not at its end.</summary>
    public static string Corrupted(string source, string path, long offset, int length, int seed = 1)
    {
        var bytes = File.ReadAllBytes(source);
        new Random(seed).NextBytes(bytes.AsSpan((int)offset, Math.Min(length, bytes.Length - (int)offset)));
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Frames ffprobe decodes in the first video stream (counted by decoding, not from the header).</summary>
    public static int CountFramesWithFfprobe(string path)
    {
        var output = Run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path);
        return int.Parse(output.Trim().Split('\n')[0].Trim(','), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Presentation times (ms) of every frame, as ffprobe reads them from the container.</summary>
    public static double[] FrameTimesWithFfprobe(string path)
    {
        var output = Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0", path);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => double.Parse(l.Trim().Trim(','), System.Globalization.CultureInfo.InvariantCulture) * 1000)
            .ToArray();
    }

    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {stderr}");
        return stdout.Result;
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
