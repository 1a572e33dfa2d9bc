using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// A blocking producer of images. Sources are driven by <see cref="CaptureStage"/> on a dedicated
/// thread; they need not be thread-safe.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Name used in outputs and messages (credentials already removed).</summary>
    string Name { get; }

    /// <summary>Nominal frame rate; 0 when unknown.</summary>
    double FramesPerSecond { get; }

    /// <summary>Frames the source expects to produce, or null when it cannot tell (live sources).</summary>
    long? ExpectedFrameCount { get; }

    /// <summary>Frames the source could not decode and passed over so far (a corrupt packet, an unreadable image); read on the capture thread.</summary>
    long FramesSkipped => 0;

    /// <summary>
    /// Reads the next image into <paramref name="image"/>. Returns false at the normal end of the
    /// source. Throws <see cref="FrameSourceException"/> when the source fails (a corrupt or
    /// truncated file, a camera that went away).
    /// </summary>
    /// <param name="reading">Presentation time from the source (null when it has none) and whether frames were lost before this one.</param>
    bool Read(Mat image, out SourceReading reading);
}
