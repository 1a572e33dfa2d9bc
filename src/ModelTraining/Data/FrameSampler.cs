namespace StreamLrcn.Training.Data;

/// <summary>Chooses which frames of a clip form a training sequence. Indices are in time order.</summary>
public static class FrameSampler
{
    /// <summary>
    /// <paramref name="length"/> indices spread as evenly as possible over <paramref name="frameCount"/>
    /// frames, first and last frame included; a clip shorter than the length repeats frames in order.
    /// With <paramref name="jitter"/>, each index is drawn from its own equal share of the clip instead
    /// (temporal jitter that keeps the order and the coverage).
    /// </summary>
    public static int[] Even(int frameCount, int length, Random? jitter = null)
    {
        Check(frameCount, length);
        var indices = new int[length];
        if (jitter is not null)
        {
            for (var i = 0; i < length; i++)
                indices[i] = Math.Min(frameCount - 1, (int)((i + jitter.NextDouble()) * frameCount / length));
            return indices;
        }
        if (length == 1)
        {
            indices[0] = (frameCount - 1) / 2;
            return indices;
        }
        for (var i = 0; i < length; i++)
            indices[i] = (int)Math.Round((double)i * (frameCount - 1) / (length - 1), MidpointRounding.AwayFromZero);
        return indices;
    }

    /// <summary>
    /// <paramref name="length"/> consecutive indices: centred in the clip, or at a random start with
    /// <paramref name="jitter"/>. A clip shorter than the length falls back to <see cref="Even"/>.
    /// </summary>
    public static int[] Window(int frameCount, int length, Random? jitter = null)
    {
        Check(frameCount, length);
        if (frameCount < length)
            return Even(frameCount, length);
        var start = jitter is null ? (frameCount - length) / 2 : jitter.Next(frameCount - length + 1);
        return Enumerable.Range(start, length).ToArray();
    }

    /// <summary>
    /// Start frames of the runtime's sliding windows over a stream of <paramref name="frameCount"/>
    /// frames: the first once <paramref name="length"/> frames were seen, then every <paramref name="stride"/> frames.
    /// </summary>
    public static IEnumerable<int> SlidingWindowStarts(int frameCount, int length, int stride)
    {
        for (var start = 0; start + length <= frameCount; start += stride)
            yield return start;
    }

    /// <summary>
    /// The whole clip; with <paramref name="jitter"/>, a random prefix of up to a fifth of the clip is
    /// dropped, so the head does not rely on every clip starting at the same phase.
    /// </summary>
    public static int[] Whole(int frameCount, Random? jitter = null)
    {
        Check(frameCount, 1);
        var start = jitter is null ? 0 : jitter.Next(frameCount / 5 + 1);
        return Enumerable.Range(start, frameCount - start).ToArray();
    }

    public static int[] Sample(SamplingMode mode, int frameCount, int length, Random? jitter) => mode switch
    {
        SamplingMode.Even => Even(frameCount, length, jitter),
        SamplingMode.Window => Window(frameCount, length, jitter),
        SamplingMode.Whole => Whole(frameCount, jitter),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown sampling mode"),
    };

    private static void Check(int frameCount, int length)
    {
        if (frameCount < 1)
            throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, "a clip must have at least one frame");
        if (length < 1)
            throw new ArgumentOutOfRangeException(nameof(length), length, "a sequence must have at least one frame");
    }
}
