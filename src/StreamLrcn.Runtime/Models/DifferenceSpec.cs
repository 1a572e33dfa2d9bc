namespace StreamLrcn.Models;

/// <summary>
/// The motion stream of a package (<c>cnn.difference</c>): the CNN also sees
/// <c>min(255, Scale · |frame_t − frame_t−step|)</c> of the resized frames, per pixel and channel.
/// With <see cref="FramesPerSecond"/> (the rate of the clips the head was trained on) the step is a
/// time, <c>Step / FramesPerSecond</c> seconds, and a stream of another rate compares frames that
/// far apart (<see cref="FramesAt"/>); without it (packages from before) <see cref="Step"/> counts
/// the frames the pipeline processes of a stream, whatever their rate (README "Model package").
/// </summary>
public sealed record DifferenceSpec
{
    public const int MaxStep = 8;
    public const double MaxScale = 64;

    /// <summary>The most frames a step can span at a stream's rate (a 1-frame step trained at 8 fps, seen at 256 fps): bounds each stream's history.</summary>
    public const int MaxFrames = 32;

    /// <summary>How many frames back the difference reaches at <see cref="FramesPerSecond"/> (1: the previous frame).</summary>
    public int Step { get; init; } = 1;

    /// <summary>Gain on the absolute difference before it saturates at 255.</summary>
    public double Scale { get; init; } = 2;

    /// <summary>
    /// The frame rate <see cref="Step"/> was trained at, which makes the step a time; null: the step
    /// counts processed frames at any rate.
    /// </summary>
    public double? FramesPerSecond { get; init; }

    /// <summary>The step as a time; null when the step counts frames.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan? StepTime => FramesPerSecond is { } fps ? TimeSpan.FromSeconds(Step / fps) : null;

    /// <summary>
    /// How many of its own frames back a stream delivering <paramref name="streamFramesPerSecond"/>
    /// (after any frame skipping, e.g. a camera's <c>every</c>) compares with: the step time times
    /// that rate, rounded, at least 1 and at most <see cref="MaxFrames"/>. <see cref="Step"/> itself
    /// when the step counts frames or the stream's rate is unknown (0).
    /// </summary>
    public int FramesAt(double streamFramesPerSecond)
    {
        if (FramesPerSecond is not { } trained || !(streamFramesPerSecond > 0))
            return Step;
        var frames = Math.Round(Step * streamFramesPerSecond / trained, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(frames, 1, MaxFrames);
    }

    /// <summary>The same difference with its step fixed at <see cref="FramesAt"/> frames of a stream at <paramref name="streamFramesPerSecond"/>.</summary>
    public DifferenceSpec AtRate(double streamFramesPerSecond) => new() { Step = FramesAt(streamFramesPerSecond), Scale = Scale };
}
