using StreamLrcn.Sinks;
using StreamLrcn.Temporal;

namespace StreamLrcn.Cli;

/// <summary>
/// Managed bytes a replay allocates per frame on the capture→label path once it runs: every
/// thread's allocations (<see cref="GC.GetTotalAllocatedBytes"/>) from the first label written to
/// the last one sampled (every <see cref="SampleEvery"/>th), less what the label sink allocated on
/// its own thread. Start-up (pools, channels, threads) and teardown are left out because they are
/// paid once per run, not per frame. The precise count suspends the runtime to read every thread's
/// allocation context, so it is sampled rather than taken at every label of the run it measures. The output
/// record is measured beside it: a copy of the first label with its own probabilities, and the
/// window probabilities as often as the run produced them.
/// </summary>
internal sealed class LabelPathAllocation(AllocationCountingSink sink)
{
    private const int SampleEvery = 64;
    private long _labels;
    private long _labelsAtLastSample;
    private long _windows;
    private long _atFirstLabel;
    private long _sinkAtFirstLabel;
    private long _atLastSample;
    private long _sinkAtLastSample;
    private long _recordBytes;
    private long _windowBytes;

    // NaN (printed as such) when the run was too short to sample: no figure rather than a false zero.
    public double PerFrame { get; private set; } = double.NaN;

    public double SinkPerFrame { get; private set; } = double.NaN;

    public double OutputRecordPerFrame { get; private set; } = double.NaN;

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
        if ((_labels - 1) % SampleEvery != 0)
            return;
        _labelsAtLastSample = _labels;
        _sinkAtLastSample = sink.Allocated;
        _atLastSample = GC.GetTotalAllocatedBytes(precise: true);
    }

    /// <summary>Called once the run has ended.</summary>
    public void End()
    {
        var frames = _labelsAtLastSample - 1;
        if (frames <= 0)
            return;
        var sinkBytes = _sinkAtLastSample - _sinkAtFirstLabel;
        PerFrame = (double)(_atLastSample - _atFirstLabel - sinkBytes) / frames;
        SinkPerFrame = (double)sinkBytes / frames;
        OutputRecordPerFrame = _recordBytes + (double)_windows * _windowBytes / (_labels - 1);
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
