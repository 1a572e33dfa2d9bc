using StreamLrcn.Hosting;

namespace StreamLrcn.Tests.Hosting;

public sealed class LabelHysteresisTests
{
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void A_label_becomes_current_only_after_holding_with_enough_confidence_for_the_minimum_duration()
    {
        var hysteresis = new LabelHysteresis(new HysteresisOptions(0.6, Ms(1000)));
        Assert.Null(hysteresis.Observe(1, 0.9f, Ms(0)));
        Assert.Null(hysteresis.Observe(1, 0.7f, Ms(500)));
        var change = hysteresis.Observe(1, 0.8f, Ms(1000));
        Assert.Equal(new LabelChange(null, 1, 0.9f, Ms(0), Ms(1000)), change);
        Assert.Equal(1, hysteresis.Current);
        Assert.Null(hysteresis.Observe(1, 0.9f, Ms(1100)));
    }

    [Fact]
    public void A_flickering_label_never_changes_the_current_one()
    {
        var hysteresis = new LabelHysteresis(new HysteresisOptions(0.5, Ms(300)));
        hysteresis.Observe(0, 0.9f, Ms(0));
        hysteresis.Observe(0, 0.9f, Ms(300));
        Assert.Equal(0, hysteresis.Current);
        for (var t = 400; t < 5000; t += 100)
            Assert.Null(hysteresis.Observe(t / 100 % 3 == 0 ? 0 : 2, 0.9f, Ms(t)));
        Assert.Equal(0, hysteresis.Current);
    }

    [Fact]
    public void A_frame_below_the_confidence_restarts_the_wait()
    {
        var hysteresis = new LabelHysteresis(new HysteresisOptions(0.6, Ms(200)));
        Assert.Null(hysteresis.Observe(2, 0.9f, Ms(0)));
        Assert.Null(hysteresis.Observe(2, 0.4f, Ms(100)));
        Assert.Null(hysteresis.Observe(2, 0.9f, Ms(200)));
        Assert.Null(hysteresis.Observe(2, 0.9f, Ms(300)));
        Assert.Equal(Ms(200), hysteresis.Observe(2, 0.9f, Ms(400))!.Since);
    }

    [Fact]
    public void With_no_minimum_the_first_confident_frame_changes_the_label_and_reports_what_it_replaced()
    {
        var hysteresis = new LabelHysteresis(new HysteresisOptions(0, TimeSpan.Zero));
        Assert.Equal(1, hysteresis.Observe(1, 0.2f, Ms(0))!.After);
        var change = hysteresis.Observe(2, 0.3f, Ms(40))!;
        Assert.Equal((1, 2), (change.Before, change.After));
    }
}
