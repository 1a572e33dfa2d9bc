using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Preprocessing;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// Turns a clip into per-frame CNN features with the runtime's own parts: its sources decode,
/// <see cref="FrameResizer.Resize"/> resizes into the rows of a <see cref="CnnBatch"/>,
/// <see cref="DifferenceHistory"/> makes the difference rows, <see cref="FeatureExtractor"/> runs the
/// CNN. Owns the extractor's session and the scratch image for its lifetime. Not thread-safe. Used by the
/// trainer and by calibration, so that both see exactly the features replay and live see.
/// </summary>
public sealed class ClipFeaturizer : IDisposable
{
    private readonly FeatureExtractor _extractor;
    private readonly Mat _image = new();

    public ClipFeaturizer(DeviceRequest device, int batchSize = 8, int cpuThreads = 0)
        : this(new CnnOptions(device, CpuThreads: cpuThreads, InFlightBatches: 1), batchSize)
    {
    }

    /// <summary>A featurizer with the CNN in the precision (and calibration) of <paramref name="options"/>.</summary>
    public ClipFeaturizer(CnnOptions options, int batchSize = 8)
    {
        _extractor = new FeatureExtractor(options, batchSize);
    }

    /// <summary>The precision the CNN runs in.</summary>
    public CnnPrecision Precision => _extractor.Precision;

    public int FeatureSize => _extractor.FeatureSize;

    public string Provider => _extractor.Provider;

    /// <summary>
    /// Reads every frame of <paramref name="clipPath"/> (mirrored left-right when <paramref name="flip"/>)
    /// and returns [frames, FeatureSize]. Throws <see cref="FrameSourceException"/> for unreadable input.
    /// </summary>
    /// <param name="onFrames">Called with the number of frames just featurized, for progress bars.</param>
    public float[] Featurize(string clipPath, bool flip, out int frames, Action<int>? onFrames = null) =>
        Featurize(clipPath, flip, CnnStreams.RgbOnly, out frames, onFrames);

    /// <summary>
    /// Like <see cref="Featurize(string, bool, out int, Action{int}?)"/> for a head of several
    /// <paramref name="streams"/>: returns [frames, streams.Rows · FeatureSize], each frame's rows
    /// run in one CNN batch as the pipeline runs them. The clip's first frame is a stream start:
    /// its difference image is all zeros (<see cref="DifferenceHistory"/>); a step given as a time
    /// (<see cref="DifferenceSpec.FramesPerSecond"/>) spans <see cref="DifferenceSpec.FramesAt"/> frames
    /// at the rate the clip's source reports, as in the pipeline.
    /// </summary>
    public float[] Featurize(string clipPath, bool flip, CnnStreams streams, out int frames, Action<int>? onFrames = null)
    {
        var rows = streams.Rows;
        if (_extractor.MaxBatchSize < rows)
            throw new ArgumentException($"the CNN batch holds {_extractor.MaxBatchSize} rows, a frame of [{string.Join(", ", streams.Names)}] needs {rows}", nameof(streams));
        using var batch = _extractor.CreateBatch(_extractor.MaxBatchSize / rows, streams);
        var differenceRow = streams.Names.ToList().IndexOf(CnnStreams.DifferenceStream);
        using var source = FrameSourceFactory.Open(clipPath);
        // A step given as a time spans as many of this clip's frames as it would of a stream at the clip's rate.
        using var history = streams.Difference is { } spec ? new DifferenceHistory(spec.AtRate(source.FramesPerSecond), ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize) : null;
        var values = new List<float>((int)Math.Min(source.ExpectedFrameCount ?? 256, 100_000) * FeatureSize * rows);
        frames = 0;
        while (source.Read(_image, out var reading))
        {
            if (flip)
                Cv2.Flip(_image, _image, FlipMode.Y);
            var index = batch.Add(new FrameHeader(ClipStream, frames, reading.Timestamp ?? TimeSpan.Zero, 0, FrameFlags.None));
            FrameResizer.Resize(_image, batch.ResizedMat(index));
            history?.Next(batch.ResizedMat(index), batch.RowMat(index, differenceRow));
            frames++;
            if (batch.IsFull)
                Flush(batch, values, onFrames);
        }
        if (batch.Count > 0)
            Flush(batch, values, onFrames);
        if (frames == 0)
            throw new FrameSourceException($"clip '{clipPath}' has no frames: expected at least one decodable frame");
        return values.ToArray();
    }

    private static readonly StreamInfo ClipStream = new(0, "clip", 0);

    private void Flush(CnnBatch batch, List<float> values, Action<int>? onFrames)
    {
        _extractor.Run(batch);
        for (var i = 0; i < batch.Count; i++)
            values.AddRange(batch.FeaturesOf(i));
        onFrames?.Invoke(batch.Count);
        batch.Clear();
    }

    public void Dispose()
    {
        _extractor.Dispose();
        _image.Dispose();
    }
}
