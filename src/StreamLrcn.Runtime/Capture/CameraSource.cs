using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>A local camera opened by index through OpenCV (V4L2 on Linux).</summary>
public sealed class CameraSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly int _index;

    public CameraSource(int index, int? width = null, int? height = null)
    {
        _index = index;
        Name = $"camera{index}";
        if (OperatingSystem.IsLinux() && !File.Exists($"/dev/video{index}"))
            throw new FrameSourceException(
                $"camera {index} is not available: expected a video device /dev/video{index}, found none on this machine " +
                "(give a file, an image folder, an rtsp:// URL or 'pattern' as --source instead)");

        _capture = new VideoCapture(index, OperatingSystem.IsLinux() ? VideoCaptureAPIs.V4L2 : VideoCaptureAPIs.ANY);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new FrameSourceException($"camera {index} could not be opened: the device exists but OpenCV could not start capturing from it (in use, or no permission?)");
        }
        if (width is { } w)
            _capture.Set(VideoCaptureProperties.FrameWidth, w);
        if (height is { } h)
            _capture.Set(VideoCaptureProperties.FrameHeight, h);
        FramesPerSecond = _capture.Fps > 0 ? _capture.Fps : 30;
    }

    public string Name { get; }

    public double FramesPerSecond { get; }

    public long? ExpectedFrameCount => null;

    public bool Read(Mat image, out SourceReading reading)
    {
        reading = default;
        if (!_capture.Read(image) || image.Empty())
            throw new FrameSourceException($"camera {_index} stopped delivering frames");
        return true;
    }

    public void Dispose() => _capture.Dispose();
}
