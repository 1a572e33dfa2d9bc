namespace StreamLrcn.Training.Data;

/// <summary>
/// How <see cref="IdleClipWriter"/> makes synthetic clips of no gesture. The defaults are small on
/// purpose: a camera that sees nothing happen still shows some noise, flicker or shake, and the
/// head must not take those for a gesture.
/// </summary>
/// <param name="Kinds">One clip per kind and source clip.</param>
/// <param name="Frames">Frames per clip (at the source clip's frame rate).</param>
/// <param name="Seed">Seeds the noise and the phases; the same options and sources give the same files, byte for byte.</param>
/// <param name="NoiseSigma">Standard deviation of the sensor noise, in 8-bit levels, per pixel and channel.</param>
/// <param name="FlickerAmplitude">Relative brightness swing of <see cref="IdleKind.Flicker"/> (0.02: ±2 %).</param>
/// <param name="FlickerHertz">How often the brightness swings, per second.</param>
/// <param name="ShakePixels">Largest displacement of <see cref="IdleKind.Shake"/>, in source pixels, along each axis.</param>
/// <param name="ShakeSeconds">Period of the drift along x (along y it is 0.7 of it, so the path does not repeat within a clip).</param>
public sealed record IdleClipOptions(
    IReadOnlyList<IdleKind> Kinds,
    int Frames = 60,
    int Seed = 1,
    double NoiseSigma = 2,
    double FlickerAmplitude = 0.02,
    double FlickerHertz = 4,
    double ShakePixels = 1.5,
    double ShakeSeconds = 2)
{
    public static IReadOnlyList<IdleKind> AllKinds { get; } = Enum.GetValues<IdleKind>();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (Kinds.Count == 0)
            throw new ArgumentException($"--kinds expected at least one of {string.Join(", ", AllKinds).ToLowerInvariant()}, found none");
        if (Frames is < 2 or > 10_000)
            throw new ArgumentException($"--frames expected 2 to 10000, found {Frames}");
        if (NoiseSigma is < 0 or > 64)
            throw new ArgumentException($"--noise expected 0 to 64 levels, found {NoiseSigma}");
        if (FlickerAmplitude is < 0 or > 0.5 || FlickerHertz <= 0)
            throw new ArgumentException($"--flicker expected an amplitude of 0 to 0.5 at above 0 Hz, found {FlickerAmplitude} at {FlickerHertz} Hz");
        if (ShakePixels is < 0 or > 64 || ShakeSeconds <= 0)
            throw new ArgumentException($"--shake expected 0 to 64 pixels over a period above 0 s, found {ShakePixels} px over {ShakeSeconds} s");
    }

    /// <summary>What the clips are, for the manifest's training facts and the report.</summary>
    public string Describe() => FormattableString.Invariant(
        $"synthetic idle clips ({string.Join(", ", Kinds).ToLowerInvariant()}; {Frames} frames of each source clip's first frame; noise sigma {NoiseSigma}, flicker ±{FlickerAmplitude * 100} % at {FlickerHertz} Hz, shake ±{ShakePixels} px over {ShakeSeconds} s; seed {Seed})");
}
