using System.Collections.Concurrent;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Cluster;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cluster;

/// <summary>
/// A camera slot with the real GStreamer RTSP server and real ffmpeg children: what a camera's
/// entity does to this node's pipeline when the cluster hands the camera over.
/// </summary>
public sealed class CameraSlotTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Detach_completes_only_after_the_cameras_ffmpeg_has_exited_and_a_reattached_camera_starts_its_state_again()
    {
        using var server = RtspTestServer.Start(["cam0"]);
        var options = new NetworkSourceOptions("cam0", server.Url("cam0"), RtspTransport.Tcp, 160, 120, 5, 1,
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), new ReconnectBackoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0.2));
        using var slot = new CameraSlot(options);
        var readings = new ConcurrentQueue<SourceReading>();
        var ended = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The pipeline's capture thread: reads until the slot is interrupted.
        var capture = new Thread(() =>
        {
            using var image = new Mat();
            while (slot.Read(image, out var reading))
            {
                Assert.Equal((120, 160), (image.Rows, image.Cols));
                readings.Enqueue(reading);
            }
            ended.SetResult(true);
        }) { IsBackground = true };
        capture.Start();

        Assert.False(slot.Owned);
        Assert.Empty(SocketPeers.ConnectedTo(server.Port));
        Assert.True(slot.Attach());
        Assert.False(slot.Attach());
        await Eventually.True(() => readings.Count >= 5, Patience, "five frames after the attach");
        var ffmpeg = Assert.Single(SocketPeers.ConnectedTo(server.Port));
        Assert.Equal(StreamStatus.Up, slot.Status);

        await slot.DetachAsync();
        Assert.False(Posix.IsAlive(ffmpeg), "the camera's ffmpeg still runs after the detach completed");
        Assert.False(slot.Owned);
        Assert.Equal(StreamStatus.Starting, slot.Status);
        var firstOwnership = readings.ToArray();
        Assert.True(firstOwnership[0].Discontinuity, "the first frame after an attach must start the state again");
        Assert.All(firstOwnership[1..], r => Assert.False(r.Discontinuity));

        Assert.True(slot.Attach());
        await Eventually.True(() => readings.Count >= firstOwnership.Length + 3, Patience, "frames after the second attach");
        var second = readings.ToArray()[firstOwnership.Length..];
        Assert.True(second[0].Discontinuity, "the first frame after the camera came back must start the state again");
        Assert.All(second[1..], r => Assert.False(r.Discontinuity));
        Assert.True(slot.FramesReceived >= readings.Count);
        var secondFfmpeg = Assert.Single(SocketPeers.ConnectedTo(server.Port));
        Assert.NotEqual(ffmpeg, secondFfmpeg);

        slot.Interrupt();
        Assert.True(await ended.Task.WaitAsync(Patience));
        capture.Join();
        slot.Dispose();
        Assert.False(Posix.IsAlive(secondFfmpeg), "ffmpeg still runs after the slot was disposed");
    }

    [Fact]
    public async Task A_camera_detached_before_the_pipeline_read_it_starts_no_ffmpeg()
    {
        using var server = RtspTestServer.Start(["cam0"]);
        using var slot = new CameraSlot(NetworkSourceOptions.For("cam0", server.Url("cam0")) with { Width = 160, Height = 120 });
        Assert.True(slot.Attach());
        Assert.True(slot.Owned);
        await slot.DetachAsync();
        Assert.False(slot.Owned);
        Assert.Empty(SocketPeers.ConnectedTo(server.Port));
        // Nothing attached: a read waits until the run ends.
        using var image = new Mat();
        var read = Task.Run(() => slot.Read(image, out _));
        slot.Interrupt();
        Assert.False(await read.WaitAsync(Patience));
    }
}
