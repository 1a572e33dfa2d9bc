using StreamLrcn.Capture;

namespace StreamLrcn.Tests.Capture;

public sealed class ReconnectBackoffTests
{
    private static readonly ReconnectBackoff Backoff = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), 0.2);

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }

    [Fact]
    public void Delays_double_per_attempt_until_the_cap_without_jitter()
    {
        var middle = new FixedRandom(0.5); // jitter factor 1 + 0.2 * (2 * 0.5 - 1) = 1
        var delays = Enumerable.Range(1, 8).Select(a => Backoff.DelayFor(a, middle).TotalMilliseconds).ToArray();
        Assert.Equal(new double[] { 250, 500, 1000, 2000, 4000, 5000, 5000, 5000 }, delays, new ToleranceComparer(1e-6));
    }

    [Fact]
    public void Jitter_spreads_each_delay_within_its_fraction_and_never_past_the_cap()
    {
        Assert.Equal(200, Backoff.DelayFor(1, new FixedRandom(0)).TotalMilliseconds, 6);
        Assert.Equal(300, Backoff.DelayFor(1, new FixedRandom(1)).TotalMilliseconds, 6);
        Assert.Equal(5000, Backoff.DelayFor(10, new FixedRandom(1)).TotalMilliseconds, 6);
        var random = new Random(7);
        var spread = Enumerable.Range(0, 200).Select(_ => Backoff.DelayFor(3, random).TotalMilliseconds).ToArray();
        Assert.All(spread, d => Assert.InRange(d, 800, 1200));
        Assert.True(spread.Distinct().Count() > 100, "jitter must vary the delay");
    }

    [Fact]
    public void Invalid_backoff_is_rejected_with_the_field_name()
    {
        var error = Assert.Throws<ArgumentException>(() => (Backoff with { Jitter = 1.5 }).Validate("cameras[1].backoff"));
        Assert.Contains("cameras[1].backoff.jitter", error.Message);
        error = Assert.Throws<ArgumentException>(() => (Backoff with { Max = TimeSpan.FromMilliseconds(100) }).Validate("defaults.backoff"));
        Assert.Contains("defaults.backoff.maxSeconds", error.Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
