using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Pipeline;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Tests.Pipeline;

public sealed class FrameTapTests
{
    private static readonly StreamInfo Stream = new(0, "clip.mp4", 30);

    [Fact]
    public void A_frame_handed_over_early_is_kept_aside_until_its_label_asks_for_it()
    {
        using var tap = new FrameTap();
        tap.Open(4);
        Assert.True(tap.Writer.TryWrite(Frame(1)));
        Assert.True(tap.Writer.TryWrite(Frame(0)));
        Assert.True(tap.Writer.TryWrite(Frame(2)));

        foreach (var sequence in new long[] { 0, 1, 2 })
        {
            using var frame = tap.Take(Header(sequence));
            Assert.Equal(sequence, frame.Header.Sequence);
        }
    }

    [Fact]
    public void Taking_a_frame_that_was_never_handed_over_throws_and_names_it()
    {
        using var tap = new FrameTap();
        tap.Open(4);
        Assert.True(tap.Writer.TryWrite(Frame(0)));

        var error = Assert.Throws<InvalidOperationException>(() => tap.Take(Header(5)));
        Assert.Contains("frame 5 of stream clip.mp4", error.Message);
    }

    [Fact]
    public void A_tap_serves_one_run_and_holds_more_frames_than_the_pipeline_has_in_flight()
    {
        using var tap = new FrameTap();
        tap.Open(24);
        Assert.True(tap.Capacity > 24);
        Assert.Throws<InvalidOperationException>(() => tap.Open(24));
    }

    private static FrameHeader Header(long sequence) => new(Stream, sequence, TimeSpan.FromSeconds(sequence / 30.0), 0, FrameFlags.None);

    private static Frame Frame(long sequence) => new(Header(sequence), new Mat(8, 8, MatType.CV_8UC3, Scalar.All(sequence)));
}
