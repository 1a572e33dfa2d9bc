using System.Globalization;
using System.Text;

namespace StreamLrcn.Capture;

/// <summary>
/// The argument lists of the ffmpeg and ffprobe child processes. They go to
/// <see cref="System.Diagnostics.ProcessStartInfo.ArgumentList"/>, never through a shell, so a URL
/// is one argument whatever characters it holds.
/// <para>
/// Any local user can read a process's arguments (<c>ps -eo args</c>, <c>/proc/PID/cmdline</c>), so
/// a URL that may carry credentials never goes there: ffmpeg reads it from an ffconcat script on its
/// stdin (<see cref="InputScript"/>), which only the daemon's user can reach, and no file holds it.
/// </para>
/// </summary>
public static class FfmpegCommandLine
{
    // The concat demuxer opens the camera's URL with the script's own protocol whitelist; pipe is the script itself.
    private const string ScriptProtocols = "pipe,rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https,httpproxy,crypto";

    // Small probe: a live stream's parameters are known from its first packets.
    private static readonly (string Name, string Value)[] ProbeOptions = [("probesize", "100000"), ("analyzeduration", "200000")];

    /// <summary>
    /// ffmpeg reading <paramref name="options"/>' URL with low-latency input flags (small probe,
    /// low-delay decoding, no input buffering for RTSP) and writing raw BGR frames of <paramref name="width"/>x<paramref name="height"/> to stdout.
    /// When <see cref="InputScript"/> is not null it must be written to ffmpeg's stdin.
    /// </summary>
    public static IReadOnlyList<string> Ffmpeg(NetworkSourceOptions options, int width, int height)
    {
        var c = CultureInfo.InvariantCulture;
        var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error" };
        // No -fflags nobuffer: it drops the packets read while probing, and with them the key
        // frame a (re)connection starts with, so the decoder waits a whole GOP for the next one
        // (measured against the test server: first frame after 1.28 s with it, 0.56 s without).
        // The ~0.2 s of probed frames are stale, and the drop-oldest queue discards them anyway.
        args.AddRange(["-flags", "low_delay"]);
        args.AddRange(Input(options));
        args.AddRange(["-an", "-sn", "-dn"]);
        var filter = string.Create(c, $"scale={width}:{height}");
        if (options.FramesPerSecond is { } fps)
            filter = string.Create(c, $"fps={fps},{filter}");
        args.AddRange(["-vf", filter, "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"]);
        return args;
    }

    /// <summary>
    /// ffprobe printing the first video stream's <c>width,height,r_frame_rate</c> as one CSV line.
    /// When <see cref="InputScript"/> is not null it must be written to ffprobe's stdin.
    /// </summary>
    public static IReadOnlyList<string> Ffprobe(NetworkSourceOptions options)
    {
        var args = new List<string> { "-hide_banner", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,r_frame_rate", "-of", "csv=p=0" };
        args.AddRange(Input(options));
        return args;
    }

    /// <summary>
    /// The ffconcat script naming the URL and its input options, for a URL that may hold
    /// credentials (it has an <c>@</c>); null for any other URL, which goes on the command line.
    /// </summary>
    public static string? InputScript(NetworkSourceOptions options)
    {
        if (!options.Url.Contains('@', StringComparison.Ordinal))
            return null;
        // Inside single quotes only a quote is special: close, escape it, reopen (Validate rejects line breaks).
        var script = new StringBuilder("ffconcat version 1.0\nfile '")
            .Append(options.Url.Replace("'", @"'\''", StringComparison.Ordinal)).Append("'\n");
        foreach (var (name, value) in UrlOptions(options).Concat(ProbeOptions))
            script.Append("option ").Append(name).Append(' ').Append(value).Append('\n');
        return script.ToString();
    }

    private static IEnumerable<string> Input(NetworkSourceOptions options)
    {
        if (InputScript(options) is null)
            return [.. Flags(UrlOptions(options)), .. Flags(ProbeOptions), "-i", options.Url];
        return ["-f", "concat", "-safe", "0", "-protocol_whitelist", ScriptProtocols, .. Flags(ProbeOptions), "-i", "pipe:0"];
    }

    private static IEnumerable<string> Flags(IEnumerable<(string Name, string Value)> options) =>
        options.SelectMany(o => new[] { "-" + o.Name, o.Value });

    /// <summary>Options of the protocol that opens the URL.</summary>
    private static (string Name, string Value)[] UrlOptions(NetworkSourceOptions options)
    {
        // timeout is the socket timeout in microseconds for rtsp and http alike (ffmpeg 5+).
        var timeout = ((long)options.ConnectTimeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        if (options.IsRtsp)
            return [("rtsp_transport", options.Transport == RtspTransport.Udp ? "udp" : "tcp"), ("timeout", timeout)];
        if (options.Url.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            return [("timeout", timeout), ("reconnect", "0")];
        return [];
    }
}
