using System.Diagnostics;
using StreamLrcn.Capture;

namespace StreamLrcn.Inference;

/// <summary>
/// Figures the benchmark and metrics read while a pipeline runs: how many batches of each size
/// the CNN ran, and capture→feature latencies (the most recent <see cref="LatencyCapacity"/>).
/// Updated once per batch; thread-safe.
/// </summary>
public sealed class PipelineStatistics
{
    public const int LatencyCapacity = 1 << 16;

    private readonly Lock _gate = new();
    private readonly long[] _batchSizes;
    private readonly double[] _latencies = new double[LatencyCapacity];
    private long _latencyCount;
    private TimeSpan _cnnBusy;

    /// <summary>Time the CNN lanes spent on batches (copy in, run), summed over lanes: near the run's length times the lanes means the CNN was never starved.</summary>
    public TimeSpan CnnBusy
    {
        get
        {
            lock (_gate)
                return _cnnBusy;
        }
    }

    public PipelineStatistics(int maxBatchSize) => _batchSizes = new long[maxBatchSize + 1];

    /// <summary>Records a batch whose features became ready now, after <paramref name="cnnTime"/> in the CNN lane.</summary>
    public void RecordBatch(ReadOnlySpan<FrameHeader> frames, TimeSpan cnnTime)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _cnnBusy += cnnTime;
            _batchSizes[Math.Min(frames.Length, _batchSizes.Length - 1)]++;
            foreach (var frame in frames)
                _latencies[_latencyCount++ % LatencyCapacity] = Stopwatch.GetElapsedTime(frame.ArrivalTimestamp, now).TotalMilliseconds;
        }
    }

    /// <summary>Batch size → number of batches, sizes that occurred only.</summary>
    public IReadOnlyDictionary<int, long> BatchSizeHistogram()
    {
        lock (_gate)
            return Enumerable.Range(0, _batchSizes.Length).Where(i => _batchSizes[i] > 0).ToDictionary(i => i, i => _batchSizes[i]);
    }

    /// <summary>The given percentile (0-100) of capture→feature latency in milliseconds, or NaN before any frame.</summary>
    public double LatencyPercentile(double percentile)
    {
        double[] samples;
        lock (_gate)
            samples = _latencies[..(int)Math.Min(_latencyCount, LatencyCapacity)];
        if (samples.Length == 0)
            return double.NaN;
        Array.Sort(samples);
        var index = (int)Math.Clamp(Math.Ceiling(percentile / 100 * samples.Length) - 1, 0, samples.Length - 1);
        return samples[index];
    }
}
