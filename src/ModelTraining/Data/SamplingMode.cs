namespace StreamLrcn.Training.Data;

/// <summary>How a clip becomes a training sequence.</summary>
public enum SamplingMode
{
    /// <summary>Fixed length: <c>length</c> frames spread as evenly as possible over the whole clip (repeating frames of shorter clips).</summary>
    Even,

    /// <summary>Fixed length: <c>length</c> consecutive frames, as the runtime's sliding window sees them.</summary>
    Window,

    /// <summary>Variable length: the whole clip; batches group clips of similar length and mask the padding.</summary>
    Whole,
}
