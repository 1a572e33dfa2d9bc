using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Preprocessing;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Preprocessing;

/// <summary>
/// A difference step given as a time (<c>cnn.difference.framesPerSecond</c>): each stream compares
/// frames that far apart at its own rate, so the same moments of a scene give the same difference
/// image at 30 fps and at 15 fps; a step without a rate counts frames, as packages before did.
/// </summary>
public sealed class DifferenceRateTests : IDisposable
{
    private const int Size = ResNet18FeatureModel.InputSize;
    private readonly CnnBatchPool _pool = CnnBatchPool.HostOnly(1, 1, CnnStreams.Create([CnnStreams.Rgb, CnnStreams.DifferenceStream]));

    [Theory]
    // step frames at the trained rate, trained rate, stream rate → frames the stream compares across
    [InlineData(2, 30.0, 30.0, 2)]
    [InlineData(2, 30.0, 15.0, 1)]
    [InlineData(2, 30.0, 60.0, 4)]
    [InlineData(2, 30.0, 10.0, 1)] // 0.67 frames rounds to 1
    [InlineData(1, 29.97, 14.985, 1)] // half a frame: never less than one
    [InlineData(1, 30.0, 45.0, 2)] // 1.5 rounds away from zero
    [InlineData(3, 30.0, 25.0, 3)] // 2.5 → 3
    [InlineData(1, 8.0, 1000.0, DifferenceSpec.MaxFrames)]
    [InlineData(2, 30.0, 0.0, 2)] // unknown rate: the trained frames
    public void A_step_given_as_a_time_spans_the_frames_that_time_holds_at_the_streams_rate(int step, double trained, double stream, int expected)
    {
        var spec = new DifferenceSpec { Step = step, FramesPerSecond = trained };

        Assert.Equal(expected, spec.FramesAt(stream));
        Assert.Equal(new DifferenceSpec { Step = expected, Scale = spec.Scale }, spec.AtRate(stream));
    }

    [Theory]
    [InlineData(15.0)]
    [InlineData(60.0)]
    [InlineData(0.0)]
    public void A_step_without_a_rate_counts_frames_at_any_rate(double stream)
    {
        Assert.Equal(3, new DifferenceSpec { Step = 3 }.FramesAt(stream));
        Assert.Null(new DifferenceSpec { Step = 3 }.StepTime);
        Assert.Equal(TimeSpan.FromSeconds(2 / 30.0), new DifferenceSpec { Step = 2, FramesPerSecond = 30 }.StepTime);
    }

    [Fact]
    public void A_camera_that_keeps_every_third_frame_has_a_third_of_its_rate_and_a_step_of_its_own_frames()
    {
        var spec = new DifferenceSpec { Step = 2, FramesPerSecond = 30 };
        using var everyThird = new NetworkFrameSource(NetworkSourceOptions.For("door", "rtsp://127.0.0.1:9/cam") with { FramesPerSecond = 30, Every = 3 });
        using var everyFrameAt60 = new NetworkFrameSource(NetworkSourceOptions.For("yard", "rtsp://127.0.0.1:9/cam") with { FramesPerSecond = 60 });
        using var unknownRate = new NetworkFrameSource(NetworkSourceOptions.For("gate", "rtsp://127.0.0.1:9/cam") with { Every = 3 });

        // 67 ms: one frame of a 10 fps stream (0.67 rounds to 1), four of a 60 fps one; a rate not yet known counts the step in frames.
        Assert.Equal(10, everyThird.FramesPerSecond);
        Assert.Equal(1, spec.FramesAt(everyThird.FramesPerSecond));
        Assert.Equal(4, spec.FramesAt(everyFrameAt60.FramesPerSecond));
        Assert.Equal(0, unknownRate.FramesPerSecond);
        Assert.Equal(2, spec.FramesAt(unknownRate.FramesPerSecond));
    }

    [SkippableFact]
    public async Task A_stream_at_half_the_rate_gets_the_difference_image_of_the_same_moments_as_the_full_rate_stream()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        // A step of two frames at 30 fps: 67 ms. The full stream compares frame t with t-2; the half-rate
        // stream (every second frame, 15 fps) compares each of its frames with the one before it, the same two moments.
        var spec = new DifferenceSpec { Step = 2, Scale = 2, FramesPerSecond = 30 };
        var full = new StreamInfo(0, "full", 30);
        var half = new StreamInfo(1, "half", 15);
        var frames = RealFrames(9);
        using var rows = new DifferenceRows(spec, 1, TimeSpan.FromSeconds(1));

        var fullImages = new List<byte[]>();
        for (var t = 0; t < frames.Length; t++)
            fullImages.Add(await Difference(rows, full, t, frames[t]));
        var halfImages = new List<byte[]>();
        for (var t = 0; t < frames.Length; t += 2)
            halfImages.Add(await Difference(rows, half, t / 2, frames[t]));

        Assert.All(fullImages[0], v => Assert.Equal(0, v));
        Assert.All(halfImages[0], v => Assert.Equal(0, v));
        for (var t = 2; t < frames.Length; t++)
            Assert.Equal(Expected(frames[t], frames[t - 2], 2), fullImages[t]);
        for (var k = 1; k < halfImages.Count; k++)
            Assert.Equal(Expected(frames[2 * k], frames[2 * k - 2], 2), halfImages[k]);
        // The person moves: a one-frame difference at 30 fps is another image, which the half-rate stream does not get.
        Assert.NotEqual(Expected(frames[4], frames[3], 2), halfImages[2]);
    }

    [SkippableFact]
    public async Task Without_a_rate_a_stream_at_half_the_rate_compares_frames_the_step_apart_as_before()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        var spec = new DifferenceSpec { Step = 2, Scale = 2 };
        var half = new StreamInfo(1, "half", 15);
        var frames = RealFrames(9);
        using var rows = new DifferenceRows(spec, 1, TimeSpan.FromSeconds(1));

        var images = new List<byte[]>();
        for (var t = 0; t < frames.Length; t += 2)
            images.Add(await Difference(rows, half, t / 2, frames[t]));

        // Two of its own frames back: source frames 4 apart.
        Assert.Equal(Expected(frames[4], frames[0], 2), images[2]);
        Assert.Equal(Expected(frames[8], frames[4], 2), images[4]);
    }

    /// <summary>Puts one resized frame in a batch's row (frames 1/fps apart) and returns the difference row the rows write beside it.</summary>
    private async Task<byte[]> Difference(DifferenceRows rows, StreamInfo stream, int index, byte[] pixels)
    {
        var batch = await _pool.RentAsync(CancellationToken.None);
        try
        {
            var header = new FrameHeader(stream, index, TimeSpan.FromSeconds(index / stream.FramesPerSecond), 0, index == 0 ? FrameFlags.StreamStart : FrameFlags.None);
            var row = batch.Add(header);
            pixels.CopyTo(batch.Row(row, 0));
            rows.Write(batch);
            return batch.Row(row, 1).ToArray();
        }
        finally
        {
            batch.Release();
        }
    }

    /// <summary>min(255, scale · |x − y|) per byte, computed here without OpenCV.</summary>
    private static byte[] Expected(byte[] x, byte[] y, int scale) => x.Select((v, i) => (byte)Math.Min(255, scale * Math.Abs(v - y[i]))).ToArray();

    /// <summary>The first frames of a real clip of a moving person, resized as the pipeline resizes them.</summary>
    private static byte[][] RealFrames(int count)
    {
        using var source = new VideoFileSource(Path.Combine(SharedData.ArmGestures, "raise_arms_side", "p1_t1.avi"));
        using var image = new Mat();
        using var slot = new FrameSlot(Size, Size);
        var frames = new byte[count][];
        // From frame 20 on the arms are moving.
        for (var i = 0; i < 20 + count; i++)
        {
            Assert.True(source.Read(image, out _), $"the clip has more than {i} frames");
            if (i < 20)
                continue;
            FrameResizer.Resize(image, slot.Mat);
            frames[i - 20] = slot.Span.ToArray();
        }
        return frames;
    }

    public void Dispose() => _pool.Dispose();
}
