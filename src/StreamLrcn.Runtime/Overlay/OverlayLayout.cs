using OpenCvSharp;

namespace StreamLrcn.Overlay;

/// <summary>
/// Where the overlay puts things on a frame of a given size: a compact strip along the bottom (or
/// top) edge with a label panel (colour swatch of the label's class, label and confidence, window
/// label, state line) and a bar panel (one probability bar per top class, longest first), side by
/// side when the frame is wide enough. Everything scales with the frame, with a floor on font sizes
/// that keeps 320x240 readable. Public so that tests can find the bars in a decoded frame.
/// </summary>
public sealed class OverlayLayout
{
    /// <summary>Bar rows shown at most; models with more classes show their top ones.</summary>
    public const int MaxBars = 5;

    public const HersheyFonts Font = HersheyFonts.HersheySimplex;

    private OverlayLayout(Size frame, int classCount, int longestLabel, OverlayPosition position)
    {
        Frame = frame;
        Position = position;
        Scale = Math.Clamp(Math.Min(frame.Width / 640.0, frame.Height / 480.0), 0.5, 4.0);
        var s = Scale;
        Margin = Px(6 * s);
        Padding = Px(5 * s);
        LargeFont = Math.Max(0.45, 0.6 * s);
        SmallFont = Math.Max(0.38, 0.45 * s);
        LargeThickness = Math.Max(1, Px(1.6 * s));
        SmallThickness = Math.Max(1, Px(1.1 * s));

        var large = Cv2.GetTextSize(new string('M', 8), Font, LargeFont, LargeThickness, out _);
        var small = Cv2.GetTextSize(new string('M', 8), Font, SmallFont, SmallThickness, out var smallBaseline);
        var largeRow = large.Height + Px(7 * s);
        var smallRow = small.Height + smallBaseline + Px(4 * s);

        var swatchSide = large.Height + Px(4 * s);
        // Wide enough for the window line with the longest label and a typical status line.
        var windowLine = Cv2.GetTextSize("window: " + new string('n', longestLabel) + " 100%", Font, SmallFont, SmallThickness, out _).Width;
        var statusLine = Cv2.GetTextSize("RECONNECTING  camera00  00.0 fps", Font, SmallFont, SmallThickness, out _).Width;
        var labelSize = new Size(Math.Min(frame.Width - 2 * Margin, 2 * Padding + Math.Max(windowLine, statusLine)), 2 * Padding + largeRow + 2 * smallRow);

        BarCount = Math.Min(MaxBars, classCount);
        var barHeight = Math.Max(6, small.Height + Px(2 * s));
        var barGap = Px(4 * s);
        var barRow = barHeight + barGap;
        BarLength = Math.Min(Px(100 * s), frame.Width / 3);
        var barTextGap = Px(6 * s);
        var textWidth = Cv2.GetTextSize(new string('n', longestLabel) + " 100%", Font, SmallFont, SmallThickness, out _).Width;
        var barSize = new Size(Math.Min(frame.Width - 2 * Margin, 2 * Padding + BarLength + barTextGap + textWidth), 2 * Padding + BarCount * barRow - barGap);

        // One strip along the chosen edge: the two panels side by side where they fit (the middle of
        // the frame, where people raise their arms, stays clear), else stacked with the label panel
        // nearer the middle at the bottom and nearer the edge at the top.
        var sideBySide = labelSize.Width + Margin + barSize.Width <= frame.Width - 2 * Margin;
        int Edge(int height) => position == OverlayPosition.Top ? Margin : frame.Height - Margin - height;
        Point labelAt, barAt;
        if (sideBySide)
        {
            var strip = Math.Max(labelSize.Height, barSize.Height);
            labelAt = new Point(Margin, Edge(strip) + (position == OverlayPosition.Top ? 0 : strip - labelSize.Height));
            barAt = new Point(Margin + labelSize.Width + Margin, Edge(strip) + (position == OverlayPosition.Top ? 0 : strip - barSize.Height));
        }
        else
        {
            var stack = labelSize.Height + Margin + barSize.Height;
            var top = Edge(stack);
            labelAt = new Point(Margin, top);
            barAt = new Point(Margin, top + labelSize.Height + Margin);
        }
        LabelPanel = new Rect(labelAt, labelSize);
        Swatch = new Rect(labelAt.X + Padding, labelAt.Y + Padding, swatchSide, swatchSide);
        LabelOrigin = new Point(Swatch.Right + Px(6 * s), Swatch.Bottom - Px(2 * s));
        WindowOrigin = new Point(labelAt.X + Padding, labelAt.Y + Padding + largeRow + small.Height + Px(1 * s));
        StatusOrigin = new Point(labelAt.X + Padding, WindowOrigin.Y + smallRow);

        BarPanel = new Rect(barAt, barSize);
        Bars = Enumerable.Range(0, BarCount)
            .Select(i => new Rect(BarPanel.X + Padding, BarPanel.Y + Padding + i * barRow, BarLength, barHeight))
            .ToArray();
        BarTextX = BarPanel.X + Padding + BarLength + barTextGap;
    }

    public Size Frame { get; }

    /// <summary>The frame edge the overlay's strip runs along.</summary>
    public OverlayPosition Position { get; }

    /// <summary>Frame size relative to 640x480, clamped to [0.5, 4].</summary>
    public double Scale { get; }

    public int Margin { get; }

    public int Padding { get; }

    public double LargeFont { get; }

    public double SmallFont { get; }

    public int LargeThickness { get; }

    public int SmallThickness { get; }

    /// <summary>Darkened panel behind the label, window and state lines.</summary>
    public Rect LabelPanel { get; }

    /// <summary>Filled with the colour of the per-frame label's class.</summary>
    public Rect Swatch { get; }

    public Point LabelOrigin { get; }

    public Point WindowOrigin { get; }

    public Point StatusOrigin { get; }

    /// <summary>Darkened panel behind the bars.</summary>
    public Rect BarPanel { get; }

    public int BarCount { get; }

    /// <summary>Length in pixels of a bar at probability 1.</summary>
    public int BarLength { get; }

    /// <summary>The track of each bar row, top row = most probable class. The filled part starts at the left edge and is <c>round(p * BarLength)</c> long.</summary>
    public IReadOnlyList<Rect> Bars { get; }

    public int BarTextX { get; }

    public static OverlayLayout For(Size frame, IReadOnlyList<string> labels, OverlayPosition position = OverlayPosition.Bottom) =>
        new(frame, labels.Count, labels.Count == 0 ? 1 : labels.Max(l => l.Length), position);

    private static int Px(double value) => (int)Math.Round(value);
}
