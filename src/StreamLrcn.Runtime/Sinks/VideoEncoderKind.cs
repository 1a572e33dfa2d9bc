namespace StreamLrcn.Sinks;

/// <summary>Which encoder writes annotated videos.</summary>
public enum VideoEncoderKind
{
    /// <summary>ffmpeg when it is on PATH and has libx264, else OpenCV.</summary>
    Auto,

    /// <summary>H.264 through a system ffmpeg child process.</summary>
    Ffmpeg,

    /// <summary>OpenCV's VideoWriter: MJPG in .avi, mp4v in .mp4 (what the OpenCvSharp Linux runtime can write).</summary>
    OpenCv,
}
