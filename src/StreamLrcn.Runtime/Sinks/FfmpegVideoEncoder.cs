using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpenCvSharp;

namespace StreamLrcn.Sinks;

/// <summary>
/// H.264 through a system <c>ffmpeg</c> child process: raw BGR frames go to its stdin, it encodes
/// (libx264, yuv420p, so every player plays the file) and muxes. Arguments are passed as a list,
/// never through a shell. ffmpeg's stderr is kept (the last few kilobytes) for error messages.
/// </summary>
public sealed unsafe class FfmpegVideoEncoder : IVideoEncoder
{
    private const int KeptErrorChars = 4096;

    private readonly string _path;
    private readonly Size _size;
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly StringBuilder _errors = new();
    private bool _completed;

    public FfmpegVideoEncoder(string ffmpeg, string path, Size size, double framesPerSecond)
    {
        _path = path;
        _size = size;
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments(path, size, framesPerSecond))
            start.ArgumentList.Add(argument);
        try
        {
            _process = Process.Start(start) ?? throw new VideoEncoderException($"annotated video '{path}': ffmpeg ({ffmpeg}) did not start");
        }
        catch (Win32Exception ex)
        {
            throw new VideoEncoderException($"annotated video '{path}': could not start ffmpeg ({ffmpeg}): {ex.Message}", ex);
        }
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
                if (_errors.Length > KeptErrorChars)
                    _errors.Remove(0, _errors.Length - KeptErrorChars);
            }
        };
        _process.BeginErrorReadLine();
        _stdin = _process.StandardInput.BaseStream;
    }

    /// <summary>The ffmpeg command line for <paramref name="path"/>, as a list of arguments.</summary>
    public static IReadOnlyList<string> Arguments(string path, Size size, double framesPerSecond)
    {
        var culture = CultureInfo.InvariantCulture;
        var arguments = new List<string>
        {
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24",
            "-video_size", string.Create(culture, $"{size.Width}x{size.Height}"),
            "-framerate", framesPerSecond.ToString("0.######", culture),
            "-i", "pipe:0",
            "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
        };
        // yuv420p needs even sides; pad odd ones by a pixel rather than drop one.
        if (size.Width % 2 != 0 || size.Height % 2 != 0)
            arguments.AddRange(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]);
        if (Path.GetExtension(path).ToLowerInvariant() is ".mp4" or ".mov" or ".m4v")
            arguments.AddRange(["-movflags", "+faststart"]);
        arguments.Add(path);
        return arguments;
    }

    public void Write(Mat frame)
    {
        if (frame.Size() != _size || frame.Type() != MatType.CV_8UC3 || !frame.IsContinuous())
            throw new ArgumentException($"annotated video '{_path}': expected a continuous {_size.Width}x{_size.Height} BGR frame, found {frame.Width}x{frame.Height} {frame.Type()}", nameof(frame));
        try
        {
            _stdin.Write(new ReadOnlySpan<byte>((void*)frame.Data, checked(_size.Width * _size.Height * 3)));
        }
        catch (IOException ex)
        {
            _process.WaitForExit(5000);
            throw new VideoEncoderException($"annotated video '{_path}': ffmpeg stopped taking frames: {ErrorText()}", ex);
        }
    }

    public void Complete()
    {
        if (_completed)
            return;
        _completed = true;
        try
        {
            _stdin.Dispose();
        }
        catch (IOException ex)
        {
            throw new VideoEncoderException($"annotated video '{_path}': ffmpeg failed while finishing: {ErrorText()}", ex);
        }
        _process.WaitForExit();
        if (_process.ExitCode != 0)
            throw new VideoEncoderException($"annotated video '{_path}': ffmpeg exited with code {_process.ExitCode}: {ErrorText()}");
    }

    private string ErrorText()
    {
        lock (_errors)
            return _errors.Length > 0 ? _errors.ToString().Trim() : "(ffmpeg printed nothing)";
    }

    public void Dispose()
    {
        if (!_completed && !_process.HasExited)
        {
            // Abandoned (the run failed): stop ffmpeg rather than leave it waiting on its stdin.
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
