using System.Globalization;

namespace StreamLrcn.Capture;

/// <summary>
/// The argument lists of the ffmpeg and ffprobe child processes. They go to
/// <see cref="System.Diagnostics.ProcessStartInfo.ArgumentList"/>, never through a shell, so a URL
/// is one argument whatever characters it holds.
/// </summary>
public static class FfmpegCommandLine
{
    /// <summary>
    /// ffmpeg reading <paramref name="options"/>' URL with low-latency input flags (small probe,
    /// low-delay decoding, no input buffering for RTSP) and writing raw BGR frames of <paramref name="width"/>x<paramref name="height"/> to stdout.
    /// </summary>
    public static IReadOnlyList<string> Ffmpeg(NetworkSourceOptions options, int width, int height)
    {
        var c = CultureInfo.InvariantCulture;
        var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error" };
        args.AddRange(InputOptions(options));
        // No -fflags nobuffer: it drops the packets read while probing, and with them the key
        // frame a (re)connection starts with, so the decoder waits a whole GOP for the next one
        // (measured against the test server: first frame after 1.28 s with it, 0.56 s without).
        // The ~0.2 s of probed frames are stale, and the drop-oldest queue discards them anyway.
        args.AddRange(["-flags", "low_delay", "-probesize", "100000", "-analyzeduration", "200000"]);
        args.AddRange(["-i", options.Url, "-an", "-sn", "-dn"]);
        var filter = string.Create(c, $"scale={width}:{height}");
        if (options.FramesPerSecond is { } fps)
            filter = string.Create(c, $"fps={fps},{filter}");
        args.AddRange(["-vf", filter, "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"]);
        return args;
    }

    /// <summary>ffprobe printing the first video stream's <c>width,height,r_frame_rate</c> as one CSV line.</summary>
    public static IReadOnlyList<string> Ffprobe(NetworkSourceOptions options)
    {
        var args = new List<string> { "-hide_banner", "-v", "error" };
        args.AddRange(InputOptions(options));
        args.AddRange(["-probesize", "100000", "-analyzeduration", "200000", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,r_frame_rate", "-of", "csv=p=0", options.Url]);
        return args;
    }

    private static IEnumerable<string> InputOptions(NetworkSourceOptions options)
    {
        // -timeout is the socket timeout in microseconds for rtsp and http alike (ffmpeg 5+).
        var timeout = ((long)options.ConnectTimeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        if (options.IsRtsp)
            return ["-rtsp_transport", options.Transport == RtspTransport.Udp ? "udp" : "tcp", "-timeout", timeout];
        if (options.Url.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            return ["-timeout", timeout, "-reconnect", "0"];
        return [];
    }
}
