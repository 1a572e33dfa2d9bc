using OpenCvSharp;

namespace StreamLrcn.Sinks;

/// <summary>Writes BGR frames of one size at a constant frame rate into one video file.</summary>
public interface IVideoEncoder : IDisposable
{
    /// <summary>Appends one frame (8-bit BGR, the size the encoder was opened with). Throws <see cref="VideoEncoderException"/> when the encoder failed.</summary>
    void Write(Mat frame);

    /// <summary>Finishes the file. Throws <see cref="VideoEncoderException"/> when the encoder reports a failure. Dispose without it abandons the file.</summary>
    void Complete();
}
