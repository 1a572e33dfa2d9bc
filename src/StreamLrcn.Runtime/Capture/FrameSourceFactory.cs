using System.Globalization;
using Microsoft.Extensions.Logging;

namespace StreamLrcn.Capture;

/// <summary>Turns what a user typed (a file, a folder, a camera index, <c>pattern</c>) into a source.</summary>
public static class FrameSourceFactory
{
    /// <summary>
    /// Opens <paramref name="spec"/>: a camera index (<c>0</c>), <c>pattern</c> or
    /// <c>pattern:reverse</c> (synthetic, 300 frames; <c>pattern:endless</c> never ends),
    /// an image folder, a video file, or a network URL (<c>rtsp://</c>, <c>http://</c>…: read by an
    /// ffmpeg child process that reconnects until the run is cancelled).
    /// </summary>
    /// <param name="name">Name of a file or folder input in outputs (see <see cref="StreamNames"/>); its own name when null.</param>
    /// <param name="loggerFactory">For the sources that log (network streams, image folders); <see cref="Diagnostics.RuntimeLog.Factory"/> when null.</param>
    /// <param name="decoderThreads">FFmpeg threads of a video file (0: FFmpeg's choice); one suits a CNN on the CPU (<c>CnnOptions.DecoderThreadsPerFile</c> says which).</param>
    public static IFrameSource Open(string spec, double folderFramesPerSecond = 30, string? name = null, ILoggerFactory? loggerFactory = null, int decoderThreads = 0)
    {
        if (int.TryParse(spec, NumberStyles.None, CultureInfo.InvariantCulture, out var cameraIndex))
            return new CameraSource(cameraIndex);
        if (spec.StartsWith("pattern", StringComparison.Ordinal) && !File.Exists(spec) && !Directory.Exists(spec))
        {
            var options = spec.Split(':', 2) is [_, var rest] ? rest : "";
            return new TestPatternSource(spec, reverse: options.Contains("reverse", StringComparison.Ordinal),
                frames: options.Contains("endless", StringComparison.Ordinal) ? 0 : 300);
        }
        if (Uri.TryCreate(spec, UriKind.Absolute, out var uri) && uri.Scheme is not "file" && spec.Contains("://", StringComparison.Ordinal))
            return new NetworkFrameSource(NetworkSourceOptions.For(UrlRedactor.Redact(spec), spec), logger: loggerFactory?.CreateLogger<NetworkFrameSource>());
        if (Directory.Exists(spec))
            return new ImageFolderSource(spec, folderFramesPerSecond, name, loggerFactory?.CreateLogger<ImageFolderSource>());
        return new VideoFileSource(spec, name, decoderThreads);
    }
}
