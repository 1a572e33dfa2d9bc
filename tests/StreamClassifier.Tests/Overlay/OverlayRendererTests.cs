using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Overlay;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Overlay;

public sealed class OverlayRendererTests
{
    private static readonly string[] Labels = ["raise_arms_side", "wave", "raise_arms_front"];

    [Theory]
    [InlineData(320, 240)]
    [InlineData(640, 480)]
    [InlineData(1920, 1080)]
    public void Bars_are_filled_in_proportion_to_the_probabilities_most_probable_first(int width, int height)
    {
        float[] probabilities = [0.13f, 0.55f, 0.32f];
        using var image = Background(width, height);
        var renderer = new OverlayRenderer(Labels);
        renderer.Draw(image, Content(Label(1, probabilities)));

        var layout = renderer.LayoutFor(image.Size());
        int[] expectedOrder = [1, 2, 0];
        for (var row = 0; row < expectedOrder.Length; row++)
        {
            var cls = expectedOrder[row];
            var expected = Math.Round(probabilities[cls] * layout.BarLength);
            Assert.Equal(expected, OverlayProbe.FilledLength(image, layout, row, cls), 0.01);
        }
    }

    [Theory]
    [InlineData(320, 240)]
    [InlineData(1920, 1080)]
    public void Overlay_fits_inside_the_frame_with_text_that_grows_with_it(int width, int height)
    {
        var layout = OverlayLayout.For(new Size(width, height), Labels);
        var frame = new Rect(0, 0, width, height);
        foreach (var region in new[] { layout.LabelPanel, layout.BarPanel }.Concat(layout.Bars))
            Assert.Equal(region, region.Intersect(frame));
        Assert.False(layout.LabelPanel.IntersectsWith(layout.BarPanel), "the label panel and the bars overlap");
        // Cap height of the small text: at least 8 px at 320x240 (readable), and scaled with the frame.
        var capHeight = Cv2.GetTextSize("M", OverlayLayout.Font, layout.SmallFont, layout.SmallThickness, out _).Height;
        Assert.InRange(capHeight, Math.Max(8, height / 60), height / 15);
        // The longest label with its percentage ends inside the bar panel.
        var text = Cv2.GetTextSize("raise_arms_front 100%", OverlayLayout.Font, layout.SmallFont, layout.SmallThickness, out _);
        Assert.True(layout.BarTextX + text.Width <= layout.BarPanel.Right, $"bar text ends at {layout.BarTextX + text.Width}, panel at {layout.BarPanel.Right}");
    }

    [Theory]
    [InlineData(640, 480, OverlayPosition.Bottom)]
    [InlineData(640, 480, OverlayPosition.Top)]
    [InlineData(320, 240, OverlayPosition.Bottom)]
    [InlineData(1280, 720, OverlayPosition.Top)]
    public void The_overlay_is_one_strip_along_its_edge_that_leaves_most_of_the_frame_clear(int width, int height, OverlayPosition position)
    {
        var layout = OverlayLayout.For(new Size(width, height), Labels, position);

        var top = Math.Min(layout.LabelPanel.Top, layout.BarPanel.Top);
        var bottom = Math.Max(layout.LabelPanel.Bottom, layout.BarPanel.Bottom);
        // Against the chosen edge; small frames stack the panels (readable text needs its pixels), 640x480
        // and wider frames get them side by side, under a sixth of the height.
        Assert.True(bottom - top <= height * 2 / 5, $"the overlay is {bottom - top} px of {height}");
        if (width >= 640)
            Assert.True(bottom - top <= height / 6, $"the overlay is {bottom - top} px of {height}: expected the panels side by side");
        if (position == OverlayPosition.Bottom)
            Assert.Equal(height - layout.Margin, bottom);
        else
            Assert.Equal(layout.Margin, top);
        Assert.False(layout.LabelPanel.IntersectsWith(layout.BarPanel), "the label panel and the bars overlap");
    }

    [Fact]
    public void Swatch_has_the_colour_of_the_label_class_and_the_label_text_is_drawn_beside_it()
    {
        using var image = Background(640, 480);
        using var source = image.Clone();
        var renderer = new OverlayRenderer(Labels);
        renderer.Draw(image, Content(Label(2, [0.1f, 0.2f, 0.7f])));
        var layout = renderer.LayoutFor(image.Size());

        Assert.Equal(2, OverlayProbe.SwatchClass(image, layout, Labels.Length));
        var textRegion = new Rect(layout.Swatch.Right, layout.Swatch.Y, layout.LabelPanel.Right - layout.Swatch.Right - layout.Padding, layout.Swatch.Height);
        using var text = new Mat(image, textRegion);
        using var white = new Mat();
        Cv2.InRange(text, new Scalar(200, 200, 200), new Scalar(255, 255, 255), white);
        Assert.True(Cv2.CountNonZero(white) > 100, "no white label text next to the swatch");
        Assert.True(OverlayProbe.MeanDifference(image, source, textRegion) > 20);
    }

    [Fact]
    public void A_none_label_leaves_the_swatch_unfilled_and_is_not_drawn_as_a_gesture_but_its_bars_still_are()
    {
        float[] probabilities = [0.4f, 0.35f, 0.25f];
        using var gesture = Background(640, 480);
        using var none = Background(640, 480);
        var renderer = new OverlayRenderer(Labels);
        renderer.Draw(gesture, Content(Label(0, probabilities)));
        renderer.Draw(none, Content(Label(Labels.Length, probabilities)));
        var layout = renderer.LayoutFor(none.Size());

        // The swatch's inside keeps the darkened background: no class colour fills it.
        var inner = InnerSwatch(layout);
        Assert.True(OverlayProbe.MeanDifference(gesture, none, inner) > 40, "the none swatch looks like the gesture's");
        // No white label text beside it (the name is drawn dimmed), while the gesture's label is white.
        var textRegion = LabelText(layout);
        Assert.True(WhitePixels(gesture, textRegion) > 100);
        Assert.Equal(0, WhitePixels(none, textRegion));
        // The probability bars are the same: the head's output is still shown.
        Assert.Equal(0, OverlayProbe.MeanDifference(gesture, none, layout.BarPanel));
    }

    [Fact]
    public void A_background_class_named_none_is_drawn_as_no_gesture_too()
    {
        using var gesture = Background(640, 480);
        using var none = Background(640, 480);
        var label = Label(2, [0.1f, 0.1f, 0.8f]);
        new OverlayRenderer(["raise_arms_side", "wave", "raise_arms_front"]).Draw(gesture, Content(label));
        var renderer = new OverlayRenderer(["raise_arms_side", "wave", "none"]);
        renderer.Draw(none, Content(label));
        var layout = renderer.LayoutFor(none.Size());

        var inner = InnerSwatch(layout);
        Assert.True(OverlayProbe.MeanDifference(gesture, none, inner) > 40, "the background class's swatch is filled like a gesture's");
        var textRegion = LabelText(layout);
        Assert.True(WhitePixels(gesture, textRegion) > 100);
        Assert.Equal(0, WhitePixels(none, textRegion));
    }

    /// <summary>The middle of the swatch, clear of its outline.</summary>
    private static Rect InnerSwatch(OverlayLayout layout) =>
        new(layout.Swatch.X + layout.Swatch.Width / 4, layout.Swatch.Y + layout.Swatch.Height / 4, layout.Swatch.Width / 2, layout.Swatch.Height / 2);

    /// <summary>Where the label's name is drawn, right of the swatch.</summary>
    private static Rect LabelText(OverlayLayout layout) =>
        new(layout.Swatch.Right, layout.Swatch.Y, layout.LabelPanel.Right - layout.Swatch.Right - layout.Padding, layout.Swatch.Height);

    private static int WhitePixels(Mat image, Rect region)
    {
        using var part = new Mat(image, region);
        using var white = new Mat();
        Cv2.InRange(part, new Scalar(200, 200, 200), new Scalar(255, 255, 255), white);
        return Cv2.CountNonZero(white);
    }

    [Fact]
    public void Without_a_label_the_overlay_draws_no_bars_and_still_says_the_state()
    {
        using var image = Background(640, 480);
        using var source = image.Clone();
        var renderer = new OverlayRenderer(Labels);
        renderer.Draw(image, new OverlayContent("camera0", StreamState.Connecting, null, null, 0, 0, 16, "camera0"));
        var layout = renderer.LayoutFor(image.Size());

        Assert.Equal(0, OverlayProbe.MeanDifference(image, source, layout.BarPanel));
        Assert.True(OverlayProbe.MeanDifference(image, source, layout.LabelPanel) > 20);
    }

    private static Mat Background(int width, int height)
    {
        var image = new Mat(height, width, MatType.CV_8UC3);
        // A mid-tone gradient, so darkened panels and drawn text both differ from it.
        for (var y = 0; y < height; y += 8)
            Cv2.Rectangle(image, new Rect(0, y, width, 8), new Scalar(90 + y * 100 / height, 140, 170 - y * 60 / height), -1);
        return image;
    }

    private static FrameLabel Label(int index, float[] probabilities) =>
        new(new FrameHeader(new StreamInfo(0, "clip.mp4", 30), 7, TimeSpan.FromSeconds(7 / 30.0), 0, FrameFlags.None),
            index, probabilities, null, null, ResetReason.None, 40);

    private static OverlayContent Content(FrameLabel label) =>
        new("clip.mp4", StreamState.Live, label, null, 0, 7, 16, StreamOverlayTracker.LiveDetail("clip.mp4", 30, label));
}
