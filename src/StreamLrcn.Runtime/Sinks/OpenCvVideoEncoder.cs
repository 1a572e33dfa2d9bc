using OpenCvSharp;

namespace StreamLrcn.Sinks;

/// <summary>
/// OpenCV's <see cref="VideoWriter"/>, for machines without ffmpeg: the OpenCvSharp Linux runtime
/// writes MJPG into .avi and mp4v (MPEG-4 part 2) into .mp4, nothing else.
/// </summary>
public sealed class OpenCvVideoEncoder : IVideoEncoder
{
    private readonly string _path;
    private readonly Size _size;
    private readonly VideoWriter _writer;

    public OpenCvVideoEncoder(string path, Size size, double framesPerSecond)
    {
        _path = path;
        _size = size;
        var codec = CodecFor(path) ?? throw new VideoEncoderException(
            $"annotated video '{path}': without ffmpeg the file must end in .avi (MJPG) or .mp4 (mp4v), found '{Path.GetExtension(path)}'");
        _writer = new VideoWriter(path, codec, framesPerSecond, size);
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            throw new VideoEncoderException($"annotated video '{path}': OpenCV could not open a {Describe(path)} writer for {size.Width}x{size.Height} at {framesPerSecond} fps");
        }
    }

    /// <summary>The codec OpenCV writes for this file's extension, or null when it cannot write one.</summary>
    public static FourCC? CodecFor(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".avi" => FourCC.MJPG,
        ".mp4" => FourCC.MP4V,
        _ => null,
    };

    /// <summary>"MJPG/AVI" or "mp4v/MP4", for log lines.</summary>
    public static string Describe(string path) => CodecFor(path) == FourCC.MJPG ? "MJPG/AVI" : "mp4v/MP4";

    public void Write(Mat frame)
    {
        if (frame.Size() != _size)
            throw new ArgumentException($"annotated video '{_path}': expected a {_size.Width}x{_size.Height} frame, found {frame.Width}x{frame.Height}", nameof(frame));
        _writer.Write(frame);
    }

    public void Complete() => _writer.Release();

    public void Dispose() => _writer.Dispose();
}
