using System.Globalization;
using OpenCvSharp;
using StreamLrcn.Temporal;

namespace StreamLrcn.Overlay;

/// <summary>
/// Draws the overlay onto a frame in place: the live window and the annotated video both use it,
/// so what a user sees live is what a recording shows. Keeps a layout per frame size and a sort
/// buffer; no per-frame allocation beyond the text strings. Not thread-safe: one renderer per thread.
/// </summary>
public sealed class OverlayRenderer(IReadOnlyList<string> labels, OverlayPosition position = OverlayPosition.Bottom)
{
    // Saturated, distinct BGR colours, far from the bar track's grey and from each other, so a
    // class can be recognised from its colour even after lossy video compression.
    private static readonly Scalar[] Palette =
    [
        new(255, 140, 0), new(0, 190, 255), new(60, 220, 60), new(200, 60, 255), new(40, 40, 240),
        new(255, 255, 0), new(0, 255, 190), new(160, 90, 20), new(130, 0, 160), new(0, 110, 200),
    ];

    /// <summary>The unfilled part of a bar.</summary>
    public static readonly Scalar TrackColor = new(70, 70, 70);

    private static readonly Scalar Text = new(255, 255, 255);
    private static readonly Scalar Dim = new(190, 190, 190);

    private readonly int[] _order = new int[labels.Count];
    private OverlayLayout? _layout;

    public IReadOnlyList<string> Labels => labels;

    /// <summary>The colour of class <paramref name="classIndex"/> (swatch and bar).</summary>
    public static Scalar ClassColor(int classIndex) => Palette[classIndex % Palette.Length];

    /// <summary>The edge the overlay runs along; the live window's <c>o</c> key switches it.</summary>
    public OverlayPosition Position { get; set; } = position;

    public OverlayLayout LayoutFor(Size frame)
    {
        if (_layout is null || _layout.Frame != frame || _layout.Position != Position)
            _layout = OverlayLayout.For(frame, labels, Position);
        return _layout;
    }

    /// <summary>Draws <paramref name="content"/> onto <paramref name="image"/> (8-bit BGR), which the caller owns.</summary>
    public void Draw(Mat image, OverlayContent content)
    {
        if (image.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"overlay expects an 8-bit BGR image, found {image.Type()}", nameof(image));
        var layout = LayoutFor(image.Size());
        var culture = CultureInfo.InvariantCulture;

        Darken(image, layout.LabelPanel);
        if (content.Label is { } label)
        {
            // "none" is no gesture: an empty swatch and the name alone, dimmed (its confidence is no label's).
            if (LabelThresholds.IsNone(labels, label.LabelIndex))
            {
                Cv2.Rectangle(image, layout.Swatch, TrackColor, Math.Max(1, layout.SmallThickness));
                Put(image, LabelThresholds.NoneName, layout.LabelOrigin, layout.LargeFont, layout.LargeThickness, Dim);
            }
            else
            {
                Cv2.Rectangle(image, layout.Swatch, ClassColor(label.LabelIndex), -1);
                Put(image, string.Create(culture, $"{labels[label.LabelIndex]} {Percent(label.Confidence)}"), layout.LabelOrigin, layout.LargeFont, layout.LargeThickness, Text);
            }
        }
        else
        {
            Cv2.Rectangle(image, layout.Swatch, TrackColor, Math.Max(1, layout.SmallThickness));
            Put(image, "no label yet", layout.LabelOrigin, layout.LargeFont, layout.LargeThickness, Dim);
        }

        var window = content.WindowLabelIndex is { } w
            ? LabelThresholds.IsNone(labels, w) ? "window: " + LabelThresholds.NoneName : string.Create(culture, $"window: {labels[w]} {Percent(content.WindowConfidence)}")
            : string.Create(culture, $"window: {content.WindowFill}/{content.WindowSize} frames");
        Put(image, window, layout.WindowOrigin, layout.SmallFont, layout.SmallThickness, Text);

        var state = StateName(content.State);
        Put(image, state, layout.StatusOrigin, layout.SmallFont, layout.SmallThickness, StateColor(content.State));
        var stateWidth = Cv2.GetTextSize(state + " ", OverlayLayout.Font, layout.SmallFont, layout.SmallThickness, out _).Width;
        Put(image, content.Detail, layout.StatusOrigin with { X = layout.StatusOrigin.X + stateWidth }, layout.SmallFont, layout.SmallThickness, Dim);

        if (content.Label is { } labelled)
            DrawBars(image, layout, labelled.Probabilities);
    }

    private void DrawBars(Mat image, OverlayLayout layout, float[] probabilities)
    {
        // Most probable first; ties keep class order so the picture is deterministic. An insertion
        // sort in place: a handful of classes, and nothing allocated per frame.
        for (var i = 0; i < _order.Length; i++)
        {
            var j = i;
            for (; j > 0 && probabilities[_order[j - 1]] < probabilities[i]; j--)
                _order[j] = _order[j - 1];
            _order[j] = i;
        }

        Darken(image, layout.BarPanel);
        for (var row = 0; row < layout.BarCount; row++)
        {
            var cls = _order[row];
            var track = layout.Bars[row];
            Cv2.Rectangle(image, track, TrackColor, -1);
            var filled = FilledLength(probabilities[cls], layout.BarLength);
            if (filled > 0)
                Cv2.Rectangle(image, track with { Width = filled }, ClassColor(cls), -1);
            var text = string.Create(CultureInfo.InvariantCulture, $"{labels[cls]} {Percent(probabilities[cls])}");
            Put(image, text, new Point(layout.BarTextX, track.Bottom - 1), layout.SmallFont, layout.SmallThickness, Text);
        }
    }

    /// <summary>Pixels of a bar filled at probability <paramref name="p"/>.</summary>
    public static int FilledLength(float p, int barLength) => (int)Math.Round(Math.Clamp(p, 0f, 1f) * barLength);

    public static string StateName(StreamState state) => state switch
    {
        StreamState.Connecting => "CONNECTING",
        StreamState.Live => "LIVE",
        StreamState.Reconnecting => "RECONNECTING",
        StreamState.Paused => "PAUSED",
        StreamState.Ended => "ENDED",
        StreamState.Failed => "FAILED",
        StreamState.Recorded => "REPLAY",
        _ => state.ToString(),
    };

    private static Scalar StateColor(StreamState state) => state switch
    {
        StreamState.Live => new Scalar(80, 230, 80),
        StreamState.Connecting or StreamState.Reconnecting => new Scalar(0, 200, 255),
        StreamState.Paused => new Scalar(255, 200, 80),
        StreamState.Failed => new Scalar(60, 60, 255),
        _ => Dim,
    };

    private static string Percent(float p) => (p * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static void Put(Mat image, string text, Point origin, double scale, int thickness, Scalar color) =>
        Cv2.PutText(image, text, origin, OverlayLayout.Font, scale, color, thickness, LineTypes.AntiAlias);

    /// <summary>Dims a region so white text stays readable on any picture while the picture still shows through.</summary>
    private static void Darken(Mat image, Rect region)
    {
        var clipped = region.Intersect(new Rect(0, 0, image.Width, image.Height));
        if (clipped.Width <= 0 || clipped.Height <= 0)
            return;
        using var roi = new Mat(image, clipped);
        roi.ConvertTo(roi, -1, 0.35, 0);
    }
}
