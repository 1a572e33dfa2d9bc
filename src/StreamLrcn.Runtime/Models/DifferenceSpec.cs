namespace StreamLrcn.Models;

/// <summary>
/// The motion stream of a package (<c>cnn.difference</c>): the CNN also sees
/// <c>min(255, Scale · |frame_t − frame_t−Step|)</c> of the resized frames, per pixel and channel.
/// <see cref="Step"/> counts the frames the pipeline processes of a stream, not time: at half the
/// frame rate (or every second frame) a step of 1 spans what a step of 2 spans at the full rate,
/// which is why the trainer mixes steps 1 and 2 (README "Motion stream").
/// </summary>
public sealed record DifferenceSpec
{
    public const int MaxStep = 8;
    public const double MaxScale = 64;

    /// <summary>How many processed frames back the difference reaches (1: the previous frame).</summary>
    public int Step { get; init; } = 1;

    /// <summary>Gain on the absolute difference before it saturates at 255.</summary>
    public double Scale { get; init; } = 2;
}
