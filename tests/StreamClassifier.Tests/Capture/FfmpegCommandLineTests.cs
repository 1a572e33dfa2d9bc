using StreamLrcn.Capture;

namespace StreamLrcn.Tests.Capture;

public sealed class FfmpegCommandLineTests
{
    [Fact]
    public void A_url_with_shell_characters_stays_one_argument_after_the_input_flag()
    {
        const string url = "rtsp://user:p a$s;rm -rf@127.0.0.1:8554/cam 1?x=`id`";
        var args = FfmpegCommandLine.Ffmpeg(NetworkSourceOptions.For("cam", url), 320, 240);
        var input = args.ToList().IndexOf("-i");
        Assert.Equal(url, args[input + 1]);
        Assert.Single(args, a => a.Contains("rtsp://", StringComparison.Ordinal));
    }

    [Fact]
    public void Rtsp_input_gets_the_transport_the_timeout_and_low_latency_flags_and_raw_bgr_output()
    {
        var options = NetworkSourceOptions.For("cam", "rtsp://127.0.0.1/x") with { Transport = RtspTransport.Udp, ConnectTimeout = TimeSpan.FromSeconds(3), FramesPerSecond = 5 };
        var args = string.Join(' ', FfmpegCommandLine.Ffmpeg(options, 640, 360));
        Assert.Contains("-rtsp_transport udp -timeout 3000000", args);
        Assert.Contains("-flags low_delay", args);
        // nobuffer would throw away the key frame a reconnection starts with.
        Assert.DoesNotContain("nobuffer", args);
        Assert.EndsWith("-vf fps=5,scale=640:360 -pix_fmt bgr24 -f rawvideo pipe:1", args);
        Assert.Contains("-rtsp_transport tcp", string.Join(' ', FfmpegCommandLine.Ffmpeg(options with { Transport = RtspTransport.Tcp }, 640, 360)));
    }

    [Fact]
    public void Http_input_gets_no_rtsp_flags()
    {
        var args = FfmpegCommandLine.Ffmpeg(NetworkSourceOptions.For("cam", "http://127.0.0.1/live.m3u8"), 320, 240);
        Assert.DoesNotContain("-rtsp_transport", args);
        Assert.Contains("-timeout", args);
    }
}
