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

    [Fact]
    public void Frames_arrive_at_the_probed_size_and_a_restart_of_the_server_marks_a_discontinuity()
    {
        using var server = RtspTestServer.Start(["cam0"], width: 176, height: 144, fps: 10);
        using var source = new NetworkFrameSource(Options(server.Url("cam0")));
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
        SourceReading reading;
        do
            Assert.True(source.Read(image, out reading));
        while (!reading.Discontinuity);
        restart.GetAwaiter().GetResult();

        Assert.Equal(StreamStatus.Up, source.Status);
        var kinds = changes.Select(c => c.Kind).ToArray();
        Assert.Equal([StreamEventKind.Up, StreamEventKind.Down], kinds[..2]);
        Assert.Equal(StreamEventKind.Up, kinds[^1]);
        Assert.Contains(StreamEventKind.Reconnecting, kinds);
        Assert.NotNull(changes.Last().DownFor);
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
