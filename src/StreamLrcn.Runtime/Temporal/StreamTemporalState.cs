namespace StreamLrcn.Temporal;

/// <summary>Recurrent state and the ring of recent features of one stream.</summary>
internal sealed class StreamTemporalState(int stateSize, int window, int featureSize)
{
    private readonly float[] _ring = new float[window * featureSize];
    private int _next;

    public float[] Hidden { get; } = new float[stateSize];

    /// <summary>Frames since the last reset, this one included once <see cref="Push"/> ran.</summary>
    public long FramesSinceReset { get; private set; }

    public TimeSpan LastTimestamp { get; set; }

    /// <summary>The <see cref="Capture.FrameHeader.Segment"/> of the last frame seen.</summary>
    public int Segment { get; set; }

    /// <summary>The count of reset requests this stream has honoured (see <see cref="TemporalStage.RequestReset"/>).</summary>
    public long ResetRequestsSeen { get; set; }

    public void Reset()
    {
        Array.Clear(Hidden);
        FramesSinceReset = 0;
        _next = 0;
    }

    public void Push(ReadOnlySpan<float> features)
    {
        features.CopyTo(_ring.AsSpan(_next * featureSize, featureSize));
        _next = (_next + 1) % window;
        FramesSinceReset++;
    }

    /// <summary>Copies the last <c>window</c> features, oldest first, into <paramref name="destination"/>.</summary>
    public void CopyWindow(Span<float> destination)
    {
        var older = _ring.AsSpan(_next * featureSize);
        older.CopyTo(destination);
        _ring.AsSpan(0, _next * featureSize).CopyTo(destination[older.Length..]);
    }
}
