using System.Collections.Concurrent;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Capture;

/// <summary>The ffmpeg-fed source on its own (no CNN) against the real RTSP server.</summary>
public sealed class NetworkFrameSourceTests
{
    private static NetworkSourceOptions Options(string url) => NetworkSourceOptions.For("cam", url) with
    {
        ConnectTimeout = TimeSpan.FromSeconds(4),
        FrozenAfter = TimeSpan.FromSeconds(2),
        Backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), 0.2),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the URL then reaches ffprobe and ffmpeg through their stdin
    public async Task Frames_arrive_at_the_probed_size_and_a_restart_of_the_server_marks_a_discontinuity(bool withCredentials)
    {
        using var server = RtspTestServer.Start(["cam0"], width: 176, height: 144, fps: 10, credentials: withCredentials ? ("cam", "pa ss") : null);
        using var source = new NetworkFrameSource(Options(withCredentials ? server.Url("cam0", "cam", "pa ss") : server.Url("cam0")));
        var changes = new ConcurrentQueue<StreamStatusChange>();
        source.StatusChanged += changes.Enqueue;
        using var image = new Mat();

        Assert.True(source.Read(image, out var first));
        Assert.Equal(new Size(176, 144), image.Size());
        Assert.Equal(MatType.CV_8UC3, image.Type());
        Assert.False(first.Discontinuity);
        Assert.Equal(10, source.FramesPerSecond, 3);
        Assert.True(source.Read(image, out var second));
        Assert.True(second.Timestamp > first.Timestamp);

        server.Kill();
        var restart = Task.Run(async () =>
        {
            await Eventually.True(() => changes.Any(c => c.Kind == StreamEventKind.Down), TimeSpan.FromSeconds(30), "the source going down");
            server.Restart();
        });
        await ReadUntilDiscontinuity(source, _ => { });
        await restart;

        Assert.Equal(StreamStatus.Up, source.Status);
        var kinds = changes.Select(c => c.Kind).ToArray();
        Assert.Equal([StreamEventKind.Up, StreamEventKind.Down], kinds[..2]);
        Assert.Equal(StreamEventKind.Up, kinds[^1]);
        Assert.Contains(StreamEventKind.Reconnecting, kinds);
        Assert.NotNull(changes.Last().DownFor);
    }

    [Fact]
    public async Task An_http_stream_is_read_too_and_its_end_counts_as_a_reconnect()
    {
        var directory = Directory.CreateTempSubdirectory("streamlrcn-http-").FullName;
        try
        {
            // 20 frames of H.264 in MPEG-TS, served over HTTP by a plain file server.
            RunToEnd("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-frames:v", "20",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mpegts", Path.Combine(directory, "clip.ts"));
            var port = FreePort.Next();
            using var server = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/python3")
            {
                ArgumentList = { "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, port.ToString() },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            try
            {
                await Eventually.True(() => CanConnect(port), TimeSpan.FromSeconds(20), "the HTTP server");
                using var source = new NetworkFrameSource(Options($"http://127.0.0.1:{port}/clip.ts"));
                var changes = new ConcurrentQueue<StreamStatusChange>();
                source.StatusChanged += changes.Enqueue;
                var frames = await ReadUntilDiscontinuity(source, image => Assert.Equal(new Size(160, 120), image.Size()));
                Assert.Equal(21, frames); // the whole clip, then the first frame of the second connection
                Assert.Equal("the server ended the stream", changes.First(c => c.Kind == StreamEventKind.Down).Reason);
            }
            finally
            {
                server.Kill();
                server.WaitForExit();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Reads on a thread of its own until a frame says discontinuity; a source that never gets there is interrupted and the test fails instead of hanging.</summary>
    private static async Task<int> ReadUntilDiscontinuity(NetworkFrameSource source, Action<Mat> check)
    {
        var reader = Task.Factory.StartNew(() =>
        {
            using var image = new Mat();
            var frames = 0;
            SourceReading reading;
            do
            {
                if (!source.Read(image, out reading))
                    return -1;
                check(image);
                frames++;
            }
            while (!reading.Discontinuity);
            return frames;
        }, TaskCreationOptions.LongRunning);
        if (await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(60))) != reader)
            source.Interrupt();
        var count = await reader;
        Assert.True(count > 0, "the source produced no discontinuity within 60 s");
        return count;
    }

    private static void RunToEnd(string program, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(info)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} failed: {errors}");
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    [Fact]
    public void A_closed_port_is_reported_down_with_the_reason_and_interrupt_ends_the_read_leaving_no_ffmpeg()
    {
        var port = FreePort.Next();
        using var source = new NetworkFrameSource(Options($"rtsp://viewer:s3cret@127.0.0.1:{port}/cam"));
        var changes = new ConcurrentQueue<StreamStatusChange>();
        source.StatusChanged += changes.Enqueue;
        var reader = new Thread(() =>
        {
            using var image = new Mat();
            Assert.False(source.Read(image, out _));
        });
        reader.Start();
        Eventually.True(() => changes.Any(c => c.Kind == StreamEventKind.Down) && changes.Count(c => c.Kind == StreamEventKind.Reconnecting) >= 2,
            TimeSpan.FromSeconds(30), "down and retrying").GetAwaiter().GetResult();

        var down = changes.First(c => c.Kind == StreamEventKind.Down);
        Assert.Equal(StreamStatus.Down, down.Status);
        Assert.Contains("Connection refused", down.Reason);
        Assert.Contains("rtsp://***@127.0.0.1", down.Reason);
        Assert.DoesNotContain("s3cret", down.Reason);

        source.Interrupt();
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "Read did not return after Interrupt");
        // Only this source's children: other tests in this process may run ffmpeg for their own clips.
        Assert.Empty(Posix.Children(Environment.ProcessId).Where(c => Posix.CommandLine(c.Pid).Contains($"127.0.0.1:{port}/cam", StringComparison.Ordinal)));
    }
}
