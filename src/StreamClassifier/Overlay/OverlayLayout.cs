using OpenCvSharp;

namespace StreamLrcn.Overlay;

/// <summary>
/// Where the overlay puts things on a frame of a given size: a label panel at the top left (colour
/// swatch of the label's class, label and confidence, window label, state line) and a bar panel at
/// the bottom left (one probability bar per top class, longest first). Everything scales with the
/// frame, with a floor on font sizes that keeps 320x240 readable. Public so that tests can find
/// the bars in a decoded frame.
/// </summary>
public sealed class OverlayLayout
{
    /// <summary>Bar rows shown at most; models with more classes show their top ones.</summary>
    public const int MaxBars = 5;

    public const HersheyFonts Font = HersheyFonts.HersheySimplex;

    private OverlayLayout(Size frame, int classCount, int longestLabel)
    {
        Frame = frame;
        Scale = Math.Clamp(Math.Min(frame.Width / 640.0, frame.Height / 480.0), 0.5, 4.0);
        var s = Scale;
        Margin = Px(10 * s);
        Padding = Px(7 * s);
        LargeFont = Math.Max(0.5, 0.8 * s);
        SmallFont = Math.Max(0.38, 0.52 * s);
        LargeThickness = Math.Max(1, Px(2 * s));
        SmallThickness = Math.Max(1, Px(1.3 * s));

        var large = Cv2.GetTextSize(new string('M', 8), Font, LargeFont, LargeThickness, out _);
        var small = Cv2.GetTextSize(new string('M', 8), Font, SmallFont, SmallThickness, out var smallBaseline);
        var largeRow = large.Height + Px(10 * s);
        var smallRow = small.Height + smallBaseline + Px(6 * s);

        var swatchSide = large.Height + Px(6 * s);
        // Wide enough for the window line with the longest label and a typical status line.
        var windowLine = Cv2.GetTextSize("window: " + new string('n', longestLabel) + " 100%", Font, SmallFont, SmallThickness, out _).Width;
        var statusLine = Cv2.GetTextSize("RECONNECTING  camera00  00.0 fps  000 ms", Font, SmallFont, SmallThickness, out _).Width;
        var panelWidth = Math.Min(frame.Width - 2 * Margin, 2 * Padding + Math.Max(windowLine, statusLine));
        LabelPanel = new Rect(Margin, Margin, panelWidth, 2 * Padding + largeRow + 2 * smallRow);
        Swatch = new Rect(Margin + Padding, Margin + Padding, swatchSide, swatchSide);
        LabelOrigin = new Point(Swatch.Right + Px(8 * s), Swatch.Bottom - Px(3 * s));
        WindowOrigin = new Point(Margin + Padding, Margin + Padding + largeRow + small.Height + Px(2 * s));
        StatusOrigin = new Point(Margin + Padding, WindowOrigin.Y + smallRow);

        BarCount = Math.Min(MaxBars, classCount);
        var barHeight = Math.Max(6, small.Height + Px(2 * s));
        var barRow = barHeight + Px(6 * s);
        BarLength = Math.Min(Px(170 * s), frame.Width / 3);
        var textWidth = Cv2.GetTextSize(new string('m', longestLabel) + " 100%", Font, SmallFont, SmallThickness, out _).Width;
        var barPanelWidth = Math.Min(frame.Width - 2 * Margin, 2 * Padding + BarLength + Px(8 * s) + textWidth);
        var barPanelHeight = 2 * Padding + BarCount * barRow - Px(6 * s);
        BarPanel = new Rect(Margin, frame.Height - Margin - barPanelHeight, barPanelWidth, barPanelHeight);
        Bars = Enumerable.Range(0, BarCount)
            .Select(i => new Rect(BarPanel.X + Padding, BarPanel.Y + Padding + i * barRow, BarLength, barHeight))
            .ToArray();
        BarTextX = BarPanel.X + Padding + BarLength + Px(8 * s);
    }

    public Size Frame { get; }

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

    public static OverlayLayout For(Size frame, IReadOnlyList<string> labels) =>
        new(frame, labels.Count, labels.Count == 0 ? 1 : labels.Max(l => l.Length));

    private static int Px(double value) => (int)Math.Round(value);
}
