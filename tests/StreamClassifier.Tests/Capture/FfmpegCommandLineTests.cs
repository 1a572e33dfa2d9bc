using StreamLrcn.Capture;

namespace StreamLrcn.Tests.Capture;

public sealed class FfmpegCommandLineTests
{
    [Fact]
    public void A_url_with_shell_characters_stays_one_argument_after_the_input_flag()
    {
        const string url = "rtsp://127.0.0.1:8554/cam 1;rm -rf?x=`id`";
        var options = NetworkSourceOptions.For("cam", url);
        var args = FfmpegCommandLine.Ffmpeg(options, 320, 240);
        var input = args.ToList().IndexOf("-i");
        Assert.Equal(url, args[input + 1]);
        Assert.Single(args, a => a.Contains("rtsp://", StringComparison.Ordinal));
        Assert.Null(FfmpegCommandLine.InputScript(options));
    }

    [Fact]
    public void A_url_with_credentials_is_only_in_the_input_script_quoted_with_its_options()
    {
        const string url = "rtsp://user:it's p@ss@127.0.0.1:8554/cam";
        var options = NetworkSourceOptions.For("cam", url) with { ConnectTimeout = TimeSpan.FromSeconds(3) };
        foreach (var args in new[] { FfmpegCommandLine.Ffmpeg(options, 320, 240), FfmpegCommandLine.Ffprobe(options) })
        {
            Assert.DoesNotContain(args, a => a.Contains("p@ss", StringComparison.Ordinal) || a.Contains("rtsp://", StringComparison.Ordinal));
            Assert.Contains("-f concat -safe 0 -protocol_whitelist ", string.Join(' ', args));
            Assert.Equal("pipe:0", args[args.ToList().IndexOf("-i") + 1]);
        }
        Assert.Equal("""
            ffconcat version 1.0
            file 'rtsp://user:it'\''s p@ss@127.0.0.1:8554/cam'
            option rtsp_transport tcp
            option timeout 3000000
            option probesize 100000
            option analyzeduration 200000

            """.ReplaceLineEndings("\n"), FfmpegCommandLine.InputScript(options));
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
