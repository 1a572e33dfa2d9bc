using System.Diagnostics;
using System.Globalization;
using StreamLrcn.Temporal;

namespace StreamLrcn.Overlay;

/// <summary>
/// Follows one stream's labels to fill what a single label does not carry: the latest window
/// label (emitted only every stride frames, cleared by a reset), how full the window is, and the
/// rate at which labels arrive. Used on one thread.
/// </summary>
public sealed class StreamOverlayTracker(int windowSize)
{
    // Labels arrive in bursts (a batch at a time), so the rate is taken over the last few dozen
    // arrivals rather than from the gap between two.
    private readonly long[] _arrivals = new long[32];
    private int _arrivalCount;

    public int? WindowLabelIndex { get; private set; }

    public float WindowConfidence { get; private set; }

    public int WindowFill { get; private set; }

    public int WindowSize => windowSize;

    /// <summary>Labels per second over the last arrivals (0 until they span some time).</summary>
    public double FramesPerSecond
    {
        get
        {
            var n = Math.Min(_arrivalCount, _arrivals.Length);
            if (n < 2)
                return 0;
            var newest = _arrivals[(_arrivalCount - 1) % _arrivals.Length];
            var oldest = _arrivals[(_arrivalCount - n) % _arrivals.Length];
            var seconds = Stopwatch.GetElapsedTime(oldest, newest).TotalSeconds;
            return seconds > 0 ? (n - 1) / seconds : 0;
        }
    }

    public FrameLabel? Last { get; private set; }

    /// <summary>Takes in the next label of the stream; <paramref name="arrival"/> is a <see cref="Stopwatch"/> timestamp.</summary>
    public void Observe(FrameLabel label, long arrival)
    {
        if (label.Reset != ResetReason.None)
        {
            WindowLabelIndex = null;
            WindowFill = 0;
        }
        WindowFill = Math.Min(windowSize, WindowFill + 1);
        if (label.WindowLabelIndex is { } window && label.WindowProbabilities is { } probabilities)
        {
            WindowLabelIndex = window;
            WindowConfidence = LabelThresholds.ConfidenceOf(window, probabilities);
        }
        _arrivals[_arrivalCount % _arrivals.Length] = arrival;
        _arrivalCount++;
        Last = label;
    }

    /// <summary>What the overlay shows for <paramref name="label"/> (the label itself may be older than <see cref="Last"/>).</summary>
    public OverlayContent ContentFor(string streamName, StreamState state, FrameLabel? label, string detail) =>
        new(streamName, state, label, WindowLabelIndex, WindowConfidence, WindowFill, windowSize, detail);

    /// <summary>The live status line: stream, label rate and capture→label latency.</summary>
    public static string LiveDetail(string streamName, double framesPerSecond, FrameLabel? label) =>
        label is null
            ? streamName
            : string.Create(CultureInfo.InvariantCulture, $"{streamName}  {framesPerSecond:0.0} fps  {label.LatencyMilliseconds:0} ms");

    /// <summary>The recorded status line: stream, frame number and time (no wall-clock figures, so annotated files are the same on every run).</summary>
    public static string RecordedDetail(FrameLabel label) =>
        string.Create(CultureInfo.InvariantCulture, $"{label.Header.Stream.Name}  #{label.Header.Sequence}  {label.Header.Timestamp.TotalSeconds:0.00} s");
}
