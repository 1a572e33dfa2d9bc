using StreamLrcn.Sinks;
using StreamLrcn.Temporal;

namespace StreamLrcn.Cli;

/// <summary>
/// Managed bytes a replay allocates per frame on the capture→label path once it runs: every
/// thread's allocations (<see cref="GC.GetTotalAllocatedBytes"/>) from the first label written to
/// the last, less what the label sink allocated on its own thread. Start-up (pools, channels,
/// threads) and teardown are left out because they are paid once per run, not per frame. The output
/// record is measured beside it: a copy of the first label with its own probabilities, and the
/// window probabilities as often as the run produced them.
/// </summary>
internal sealed class LabelPathAllocation(AllocationCountingSink sink)
{
    private long _labels;
    private long _windows;
    private long _atFirstLabel;
    private long _sinkAtFirstLabel;
    private long _atLastLabel;
    private long _sinkAtLastLabel;
    private long _recordBytes;
    private long _windowBytes;

    public double PerFrame { get; private set; }

    public double SinkPerFrame { get; private set; }

    public double OutputRecordPerFrame { get; private set; }

    /// <summary>Called on the sink thread after each label was written.</summary>
    public void OnLabel(FrameLabel label)
    {
        if (++_labels == 1)
        {
            // A copy of the label is what one more output record costs.
            var before = GC.GetAllocatedBytesForCurrentThread();
            GC.KeepAlive(label with { Probabilities = (float[])label.Probabilities.Clone() });
            var afterRecord = GC.GetAllocatedBytesForCurrentThread();
            GC.KeepAlive(new float[label.Probabilities.Length]);
            _windowBytes = GC.GetAllocatedBytesForCurrentThread() - afterRecord;
            _recordBytes = afterRecord - before;
            _sinkAtFirstLabel = sink.Allocated;
            _atFirstLabel = GC.GetTotalAllocatedBytes(precise: true);
            return;
        }
        if (label.WindowProbabilities is not null)
            _windows++;
        _sinkAtLastLabel = sink.Allocated;
        _atLastLabel = GC.GetTotalAllocatedBytes(precise: true);
    }

    /// <summary>Called once the run has ended.</summary>
    public void End()
    {
        var frames = _labels - 1;
        if (frames <= 0)
            return;
        var sinkBytes = _sinkAtLastLabel - _sinkAtFirstLabel;
        PerFrame = (double)(_atLastLabel - _atFirstLabel - sinkBytes) / frames;
        SinkPerFrame = (double)sinkBytes / frames;
        OutputRecordPerFrame = _recordBytes + (double)_windows * _windowBytes / frames;
    }
}

/// <summary>A label sink that counts what the sink it wraps allocates (on the thread that calls it).</summary>
internal sealed class AllocationCountingSink(ILabelSink inner) : ILabelSink
{
    public long Allocated { get; private set; }

    public void Write(FrameLabel label)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        inner.Write(label);
        Allocated += GC.GetAllocatedBytesForCurrentThread() - before;
    }

    public void Flush()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        inner.Flush();
        Allocated += GC.GetAllocatedBytesForCurrentThread() - before;
    }

    public void Dispose() => inner.Dispose();
}
