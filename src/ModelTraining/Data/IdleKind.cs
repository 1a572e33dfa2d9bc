namespace StreamLrcn.Training.Data;

/// <summary>What a synthetic idle clip (<see cref="IdleClipWriter"/>) does to its one real frame over time.</summary>
public enum IdleKind
{
    /// <summary>The frame, held: a perfectly still scene (every difference image is black).</summary>
    Still,

    /// <summary>The frame with fresh Gaussian sensor noise on every pixel and channel of every frame.</summary>
    Noise,

    /// <summary>Noise, and the whole frame's brightness flickering (lights beating against the frame rate).</summary>
    Flicker,

    /// <summary>Noise, and the whole frame drifting by a pixel or two (a camera on a shaky mount).</summary>
    Shake,
}
