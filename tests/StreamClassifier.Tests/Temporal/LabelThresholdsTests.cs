using StreamLrcn.Temporal;

namespace StreamLrcn.Tests.Temporal;

public sealed class LabelThresholdsTests
{
    private static readonly string[] Labels = ["a", "b", "c"];
    private readonly LabelThresholds _rule = new(Labels, new Dictionary<string, double> { ["a"] = 0.5, ["b"] = 0.3, ["c"] = 0.9 });

    [Theory]
    [InlineData(0.6f, 0.3f, 0.1f, 0)]   // a reaches 0.5
    [InlineData(0.45f, 0.35f, 0.2f, 1)] // a is most probable but below 0.5; b reaches 0.3
    [InlineData(0.4f, 0.25f, 0.35f, 3)] // nobody reaches: none
    [InlineData(0.05f, 0.05f, 0.9f, 2)] // exactly at the threshold counts
    [InlineData(0.5f, 0.45f, 0.05f, 0)] // both reach: the more probable
    public void The_label_is_the_most_probable_of_those_at_or_above_their_threshold_and_none_when_no_label_is(float a, float b, float c, int expected)
    {
        Assert.Equal(expected, _rule.Decide([a, b, c]));
    }

    [Fact]
    public void None_is_named_one_past_the_labels_and_its_confidence_is_the_highest_class_probability()
    {
        Assert.Equal("none", LabelThresholds.NameOf(Labels, _rule.NoneIndex));
        Assert.Equal("b", LabelThresholds.NameOf(Labels, 1));
        Assert.Equal(0.4f, LabelThresholds.ConfidenceOf(3, [0.4f, 0.25f, 0.35f]));
        Assert.Equal(0.25f, LabelThresholds.ConfidenceOf(1, [0.4f, 0.25f, 0.35f]));
    }
}
