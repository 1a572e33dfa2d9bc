using System.Threading.Channels;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Temporal;

public sealed class UserResetTests
{
    [Fact]
    public void Reset_request_clears_the_recurrent_state_at_the_next_frame_which_reports_user_reset()
    {
        using var folder = new TempDirectory();
        var package = TestModels.Write(folder.File("model"));
        using var head = new GruHead(package, package.Manifest.Window);
        var options = new TemporalOptions(package.Manifest.Window, package.Manifest.Stride, TimeSpan.FromSeconds(2));
        var random = new Random(3);
        var features = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, head.FeatureSize).Select(_ => (float)random.NextDouble() * 2).ToArray()).ToArray();
        var stream = new StreamInfo(0, "camera0", 30);
        FrameHeader Header(long sequence) => new(stream, sequence, TimeSpan.FromSeconds(sequence / 30.0), 0, sequence == 0 ? FrameFlags.StreamStart : FrameFlags.None);

        var reset = Stage(head, options);
        var carried = Stage(head, options);
        for (var i = 0; i < 3; i++)
        {
            reset.Classify(Header(i), features[i]);
            carried.Classify(Header(i), features[i]);
        }
        reset.RequestReset();
        var afterReset = reset.Classify(Header(3), features[3]);
        var withState = carried.Classify(Header(3), features[3]);
        var fresh = Stage(head, options).Classify(Header(0), features[3]);
        var next = reset.Classify(Header(4), features[4]);

        Assert.Equal(ResetReason.UserReset, afterReset.Reset);
        Assert.Equal(ResetReason.None, withState.Reset);
        Assert.Equal(ResetReason.None, next.Reset);
        // After the reset the frame is classified from a zero state, exactly as a stream's first frame is...
        Assert.Equal(fresh.Probabilities, afterReset.Probabilities);
        // ...which differs from carrying the state on, so the comparison above can fail.
        Assert.NotEqual(withState.Probabilities, afterReset.Probabilities);
    }

    private static TemporalStage Stage(GruHead head, TemporalOptions options) =>
        new(Channel.CreateBounded<CnnBatch>(1).Reader, Channel.CreateBounded<LabelWithFrame>(1).Writer, head, options);
}
