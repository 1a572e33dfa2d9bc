namespace StreamLrcn.Hosting.Web;

/// <summary>
/// A camera's recent frames, oldest first, bounded by time (<see cref="Span"/> behind the newest)
/// and by count. Written by the recorder's loop, read by HTTP requests: every access locks, and
/// what leaves the lock is immutable.
/// </summary>
internal sealed class CameraRing(string camera, TimeSpan span, int maxFrames)
{
    private readonly Lock _gate = new();
    private readonly Queue<RecordedFrame> _frames = new();

    public string Camera { get; } = camera;

    public TimeSpan Span { get; } = span;

    public RecordedFrame? Newest { get; private set; }

    public void Add(RecordedFrame frame)
    {
        lock (_gate)
        {
            _frames.Enqueue(frame);
            Newest = frame;
            while (_frames.Count > maxFrames || (_frames.Peek() is var oldest && (oldest.Segment != frame.Segment || frame.Time - oldest.Time > Span)))
                _frames.Dequeue();
        }
    }

    /// <summary>The frame of <paramref name="sequence"/> when the ring still holds it.</summary>
    public RecordedFrame? Find(long sequence)
    {
        lock (_gate)
            return _frames.FirstOrDefault(f => f.Sequence == sequence);
    }

    /// <summary>Frames a second that arrived between <paramref name="from"/> and <paramref name="to"/> (wall clock).</summary>
    public double RateOver(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
            return Math.Round(_frames.Count(f => f.WallTime > from && f.WallTime <= to) / (to - from).TotalSeconds, 2);
    }

    /// <summary>The frames of <paramref name="segment"/> with <paramref name="from"/> ≤ time &lt; <paramref name="to"/>, oldest first.</summary>
    public IReadOnlyList<RecordedFrame> Between(int segment, TimeSpan from, TimeSpan to)
    {
        lock (_gate)
            return _frames.Where(f => f.Segment == segment && f.Time >= from && f.Time < to).ToArray();
    }
}
