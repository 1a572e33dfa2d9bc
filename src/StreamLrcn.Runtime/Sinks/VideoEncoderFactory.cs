using System.ComponentModel;
using System.Diagnostics;
using OpenCvSharp;

namespace StreamLrcn.Sinks;

/// <summary>
/// Chooses how annotated videos are written, once per run: H.264 through the system ffmpeg when
/// it is on PATH and lists the libx264 encoder, otherwise OpenCV's VideoWriter (MJPG/AVI or
/// mp4v/MP4). <see cref="Describe"/> says which, for the log.
/// </summary>
public sealed class VideoEncoderFactory
{
    private readonly string? _ffmpeg;
    private readonly string _reason;
    private readonly Dictionary<string, string?> _containerErrors = new(StringComparer.OrdinalIgnoreCase);

    public VideoEncoderFactory(VideoEncoderKind kind)
    {
        if (kind == VideoEncoderKind.OpenCv)
        {
            _reason = "OpenCV was asked for";
            return;
        }
        var ffmpeg = FindOnPath("ffmpeg");
        if (ffmpeg is not null && HasLibx264(ffmpeg))
        {
            _ffmpeg = ffmpeg;
            _reason = "";
            return;
        }
        _reason = ffmpeg is null ? "ffmpeg is not on PATH" : $"{ffmpeg} has no libx264 encoder";
        if (kind == VideoEncoderKind.Ffmpeg)
            throw new VideoEncoderException($"annotated video: H.264 through ffmpeg was asked for, but {_reason}");
    }

    /// <summary>True when videos are written by ffmpeg as H.264.</summary>
    public bool UsesFfmpeg => _ffmpeg is not null;

    /// <summary>Throws <see cref="VideoEncoderException"/> when <paramref name="path"/> cannot be written by the chosen encoder (checked before the run starts).</summary>
    public void Validate(string path)
    {
        if (_ffmpeg is null && OpenCvVideoEncoder.CodecFor(path) is null)
            throw new VideoEncoderException(
                $"annotated video '{path}': {_reason}, so OpenCV writes it, and OpenCV here writes only .avi (MJPG) or .mp4 (mp4v), found '{Path.GetExtension(path)}'");
        if (_ffmpeg is not null && ContainerError(_ffmpeg, Path.GetExtension(path)) is { } error)
            throw new VideoEncoderException(
                $"annotated video '{path}': ffmpeg cannot put H.264 into a '{Path.GetExtension(path)}' file ({error}); expected a container that holds H.264, such as .mp4, .mkv, .mov or .avi");
    }

    /// <summary>
    /// Whether ffmpeg can write one H.264 frame into a file of this extension (a .webm, say, takes
    /// only VP8/VP9/AV1): asked once per extension, on a scratch file, before the run, so an
    /// unsuitable container is an error at the start instead of a broken file at the end.
    /// </summary>
    private string? ContainerError(string ffmpeg, string extension)
    {
        lock (_containerErrors)
        {
            if (_containerErrors.TryGetValue(extension, out var known))
                return known;
            var scratch = Path.Combine(Path.GetTempPath(), $"streamlrcn-container-{Environment.ProcessId}-{Guid.NewGuid():N}{extension}");
            var start = new ProcessStartInfo(ffmpeg) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=size=16x16:rate=1", "-frames:v", "1",
                         "-c:v", "libx264", "-pix_fmt", "yuv420p", scratch })
                start.ArgumentList.Add(argument);
            string? error;
            try
            {
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEndAsync();
                var errors = process.StandardError.ReadToEnd();
                process.WaitForExit();
                output.GetAwaiter().GetResult();
                error = process.ExitCode == 0 ? null : errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {process.ExitCode}";
            }
            catch (Win32Exception ex)
            {
                error = ex.Message;
            }
            finally
            {
                File.Delete(scratch);
            }
            _containerErrors[extension] = error;
            return error;
        }
    }

    /// <summary>What writes <paramref name="path"/>, in words.</summary>
    public string Describe(string path) => _ffmpeg is not null
        ? $"H.264 through ffmpeg ({_ffmpeg})"
        : $"{OpenCvVideoEncoder.Describe(path)} through OpenCV VideoWriter ({_reason})";

    public IVideoEncoder Open(string path, Size size, double framesPerSecond) => _ffmpeg is not null
        ? new FfmpegVideoEncoder(_ffmpeg, path, size, framesPerSecond)
        : new OpenCvVideoEncoder(path, size, framesPerSecond);

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static bool HasLibx264(string ffmpeg)
    {
        var start = new ProcessStartInfo(ffmpeg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-hide_banner", "-encoders" })
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start);
            if (process is null)
                return false;
            var errors = process.StandardError.ReadToEndAsync();
            var listing = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            errors.GetAwaiter().GetResult();
            return process.ExitCode == 0 && listing.Contains(" libx264 ", StringComparison.Ordinal);
        }
        catch (Win32Exception)
        {
            return false;
        }
    }
}
