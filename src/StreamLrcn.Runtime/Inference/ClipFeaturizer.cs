using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Preprocessing;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// Turns a clip into per-frame CNN features with the runtime's own parts: its sources decode,
/// <see cref="PreprocessStage.Resize"/> resizes, <see cref="FeatureExtractor"/> runs the CNN. Owns
/// the extractor's session and the scratch buffers for its lifetime. Not thread-safe. Used by the
/// trainer and by calibration, so that both see exactly the features replay and live see.
/// </summary>
public sealed class ClipFeaturizer : IDisposable
{
    private readonly FeatureExtractor _extractor;
    private readonly FrameSlot _slot = new(ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize);
    private readonly FrameSlot _difference = new(ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize);
    private readonly Mat _image = new();
    private readonly float[] _batchFeatures;

    public ClipFeaturizer(DeviceRequest device, int batchSize = 8, int cpuThreads = 0)
        : this(new CnnOptions(device, CpuThreads: cpuThreads, InFlightBatches: 1), batchSize)
    {
    }

    /// <summary>A featurizer with the CNN in the precision (and calibration) of <paramref name="options"/>.</summary>
    public ClipFeaturizer(CnnOptions options, int batchSize = 8)
    {
        _extractor = new FeatureExtractor(options, batchSize);
        _batchFeatures = new float[_extractor.MaxBatchSize * _extractor.FeatureSize];
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
        var framesPerBatch = _extractor.MaxBatchSize / rows;
        using var source = FrameSourceFactory.Open(clipPath);
        // A step given as a time spans as many of this clip's frames as it would of a stream at the clip's rate.
        using var history = streams.Difference is { } spec ? new DifferenceHistory(spec.AtRate(source.FramesPerSecond), _slot.Width, _slot.Height) : null;
        var values = new List<float>((int)Math.Min(source.ExpectedFrameCount ?? 256, 100_000) * FeatureSize * rows);
        var pending = 0;
        frames = 0;
        while (source.Read(_image, out _))
        {
            if (flip)
                Cv2.Flip(_image, _image, FlipMode.Y);
            PreprocessStage.Resize(_image, _slot);
            history?.Next(_slot, _difference);
            for (var s = 0; s < rows; s++)
                (streams.Names[s] == CnnStreams.Rgb ? _slot : _difference).Span.CopyTo(_extractor.InputRow(pending * rows + s));
            pending++;
            frames++;
            if (pending == framesPerBatch)
            {
                Flush(pending * rows, values);
                onFrames?.Invoke(pending);
                pending = 0;
            }
        }
        if (pending > 0)
        {
            Flush(pending * rows, values);
            onFrames?.Invoke(pending);
        }
        if (frames == 0)
            throw new FrameSourceException($"clip '{clipPath}' has no frames: expected at least one decodable frame");
        return values.ToArray();
    }

    private void Flush(int count, List<float> values)
    {
        _extractor.Run(count, _batchFeatures);
        values.AddRange(_batchFeatures.AsSpan(0, count * FeatureSize));
    }

    public void Dispose()
    {
        _extractor.Dispose();
        _slot.Dispose();
        _difference.Dispose();
        _image.Dispose();
    }
}
