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

    private static readonly string[] WithBackground = ["a", "b", "none"];
    private readonly LabelThresholds _background = new(WithBackground, new Dictionary<string, double> { ["a"] = 0.5, ["b"] = 0.3, ["none"] = 0 });

    [Theory]
    [InlineData(0.6f, 0.1f, 0.3f, 0)]   // a reaches 0.5 and beats the background class
    [InlineData(0.45f, 0.35f, 0.2f, 1)] // b reaches 0.3, a does not; none is less probable
    [InlineData(0.45f, 0.32f, 0.23f, 1)]
    [InlineData(0.2f, 0.35f, 0.45f, 2)] // b reaches its threshold, but the background class is more probable
    [InlineData(0.42f, 0.28f, 0.30f, 2)] // no gesture reaches: none, the background class's own index
    public void With_a_background_class_none_is_that_class_whether_it_wins_or_no_gesture_reaches_its_threshold(float a, float b, float none, int expected)
    {
        Assert.Equal(2, _background.NoneIndex);
        Assert.Equal(expected, _background.Decide([a, b, none]));
        Assert.Equal(expected == 2, LabelThresholds.IsNone(WithBackground, _background.Decide([a, b, none])));
    }

    [Fact]
    public void A_package_labels_its_frames_with_its_classes_and_none_after_them_only_when_no_class_is_none()
    {
        Assert.Equal(4, LabelThresholds.LabelCount(Labels, thresholds: true));
        Assert.Equal(3, LabelThresholds.LabelCount(Labels, thresholds: false));
        Assert.Equal(3, LabelThresholds.LabelCount(WithBackground, thresholds: true));
        Assert.Equal(3, LabelThresholds.LabelCount(WithBackground, thresholds: false));
        Assert.Equal(3, _rule.NoneIndex);
    }
}
