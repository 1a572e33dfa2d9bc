using StreamLrcn.Training.Evaluation;

namespace StreamLrcn.Training.Tests.Evaluation;

public sealed class ThresholdSelectorTests
{
    [Fact]
    public void The_threshold_keeps_the_asked_share_of_a_labels_frames_at_or_above_it()
    {
        // 20 values 0.05, 0.10, ..., 1.00 in shuffled order.
        var values = Enumerable.Range(1, 20).Select(i => i * 0.05f).OrderBy(v => (v * 7919) % 1).ToArray();

        var threshold = ThresholdSelector.LowerQuantile(values, 1 - 0.9);

        Assert.Equal(0.15f, threshold, 5);
        Assert.Equal(18, values.Count(v => v >= threshold));
        Assert.Equal(values.Min(), ThresholdSelector.LowerQuantile(values, 0));
    }
}
