using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>
/// The unit of native memory on the way to the CNN: input rows for up to <see cref="MaxFrames"/>
/// frames of <see cref="Streams"/> (one row per stream, pinned on CUDA, aligned on CPU), the
/// features the CNN writes back, and for each row count met so far its tensors and
/// <see cref="OrtIoBinding"/>, created at first use and kept. Preprocessing resizes each frame
/// straight into its row; the CNN runs the rows in place; the temporal stage reads the features in
/// place. A frame a sink needs rides in the batch beside its row (<see cref="TakeFrame"/>).
/// <para>
/// Batches come from a <see cref="CnnBatchPool"/>, which bounds the frames in flight.
/// <see cref="Release"/> is idempotent (only the first call returns the batch); the pool catches a
/// batch returned twice. One holder at a time; the holder hands it on through a channel.
/// </para>
/// </summary>
public sealed unsafe class CnnBatch : IDisposable
{
    private readonly HostBuffer _input;
    private readonly HostBuffer _output;
    private readonly HostBuffer? _staging;
    private readonly FrameHeader[] _headers;
    private readonly Frame?[] _frames;
    private readonly Mat?[] _rowMats;
    private readonly Mat?[] _stagingMats;
    private readonly BoundRows?[] _bound;
    private readonly int _rgbStream;
    private CnnBatchPool? _holder;

    internal CnnBatch(InferenceSession? session, ExecutionTarget target, int cudaDevice, int maxFrames, CnnStreams streams, int featureSize, CnnBatchPool? pool)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        Session = session;
        MaxFrames = maxFrames;
        Streams = streams;
        FeatureSize = featureSize;
        Pool = pool;
        var rows = maxFrames * streams.Rows;
        _input = new HostBuffer(session, target.IsGpu, cudaDevice, (long)rows * FeatureExtractor.FrameBytes);
        _output = new HostBuffer(session, false, cudaDevice, (long)rows * featureSize * sizeof(float));
        _rgbStream = IndexOf(streams, CnnStreams.Rgb);
        // Without an rgb row the resized frame still needs a home: the difference is taken from it.
        if (_rgbStream < 0)
            _staging = new HostBuffer(session, false, cudaDevice, (long)maxFrames * FeatureExtractor.FrameBytes);
        _headers = new FrameHeader[maxFrames];
        _frames = new Frame?[maxFrames];
        _rowMats = new Mat?[rows];
        _stagingMats = new Mat?[_staging is null ? 0 : maxFrames];
        _bound = new BoundRows?[rows + 1];
    }

    /// <summary>The CNN session the batch's rows are bound to; null for a host-only batch (tests of the stages around the CNN).</summary>
    internal InferenceSession? Session { get; }

    internal CnnBatchPool? Pool { get; }

    /// <summary>1 while rented from its pool; the pool flips it with <see cref="Interlocked"/> to catch a batch returned twice.</summary>
    internal int Rented;

    public int MaxFrames { get; }

    public CnnStreams Streams { get; }

    /// <summary>Features per CNN row (512); a frame's features are <see cref="CnnStreams.Rows"/> of them side by side.</summary>
    public int FeatureSize { get; }

    /// <summary>Frames in the batch.</summary>
    public int Count { get; private set; }

    public bool IsFull => Count == MaxFrames;

    public BatchCloseReason ClosedBy { get; internal set; }

    /// <summary>CNN rows the batch's frames fill.</summary>
    public int RowCount => Count * Streams.Rows;

    public ref readonly FrameHeader HeaderOf(int index) => ref _headers[CheckIndex(index)];

    /// <summary>The headers of the batch's frames, in arrival order.</summary>
    public ReadOnlySpan<FrameHeader> Headers => _headers.AsSpan(0, Count);

    /// <summary>Adds a frame, returning its index; <paramref name="frame"/> (optional) rides with the row and the batch owns it until <see cref="TakeFrame"/>.</summary>
    public int Add(in FrameHeader header, Frame? frame = null)
    {
        if (Count == MaxFrames)
            throw new InvalidOperationException($"the batch is full ({MaxFrames} frames)");
        _headers[Count] = header;
        _frames[Count] = frame;
        return Count++;
    }

    /// <summary>Row of <paramref name="stream"/> (index into <see cref="CnnStreams.Names"/>) of frame <paramref name="index"/>.</summary>
    public Span<byte> Row(int index, int stream) => new(RowPointer(index, stream), FeatureExtractor.FrameBytes);

    /// <summary>A Mat header over <see cref="Row"/>, created once per row.</summary>
    public Mat RowMat(int index, int stream)
    {
        var row = CheckIndex(index) * Streams.Rows + stream;
        return _rowMats[row] ??= Mat.FromPixelData(ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize, MatType.CV_8UC3, (IntPtr)RowPointer(index, stream));
    }

    /// <summary>Where frame <paramref name="index"/>'s resized image goes: its rgb row, or for a head without one a staging row the difference is taken from.</summary>
    public Mat ResizedMat(int index)
    {
        if (_rgbStream >= 0)
            return RowMat(index, _rgbStream);
        CheckIndex(index);
        return _stagingMats[index] ??= Mat.FromPixelData(ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize, MatType.CV_8UC3,
            (IntPtr)(_staging!.Pointer + (long)index * FeatureExtractor.FrameBytes));
    }

    /// <summary>Frame <paramref name="index"/>'s features, <see cref="CnnStreams.Rows"/> · <see cref="FeatureSize"/> values, once the CNN has run.</summary>
    public ReadOnlySpan<float> FeaturesOf(int index)
    {
        var width = Streams.Rows * FeatureSize;
        return new ReadOnlySpan<float>((float*)_output.Pointer + (long)CheckIndex(index) * width, width);
    }

    /// <summary>Frame <paramref name="index"/>'s features to write (the CNN does; tests of the later stages too).</summary>
    internal Span<float> WritableFeaturesOf(int index)
    {
        var width = Streams.Rows * FeatureSize;
        return new Span<float>((float*)_output.Pointer + (long)CheckIndex(index) * width, width);
    }

    /// <summary>Takes the decoded frame that rides with frame <paramref name="index"/> (null if none or already taken); the caller owns it then.</summary>
    public Frame? TakeFrame(int index)
    {
        var frame = _frames[CheckIndex(index)];
        _frames[index] = null;
        return frame;
    }

    /// <summary>The binding of the first <paramref name="rows"/> rows to the CNN's input and output, created at first use.</summary>
    internal OrtIoBinding BindingFor(int rows)
    {
        if (rows < 1 || rows >= _bound.Length)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"a batch of this buffer holds 1..{_bound.Length - 1} rows");
        return (_bound[rows] ??= Bind(rows)).Binding;
    }

    private BoundRows Bind(int rows)
    {
        var input = OrtValue.CreateTensorValueWithData(_input.MemoryInfo, TensorElementType.UInt8,
            [rows, ResNet18FeatureModel.InputSize, ResNet18FeatureModel.InputSize, 3], (IntPtr)_input.Pointer, (long)rows * FeatureExtractor.FrameBytes);
        var output = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
            [rows, FeatureSize], (IntPtr)_output.Pointer, (long)rows * FeatureSize * sizeof(float));
        var binding = (Session ?? throw new InvalidOperationException("a host-only batch has no CNN session to run on")).CreateIoBinding();
        binding.BindInput(ResNet18FeatureModel.InputName, input);
        binding.BindOutput(ResNet18FeatureModel.OutputName, output);
        return new BoundRows(input, output, binding);
    }

    /// <summary>Row counts bound so far (each keeps its tensors and binding while the batch lives).</summary>
    public int BoundRowCounts => _bound.Count(b => b is not null);

    /// <summary>Called by the pool when it hands the batch out: empty, and held by <paramref name="pool"/>'s renter.</summary>
    internal void Open(CnnBatchPool pool)
    {
        Count = 0;
        ClosedBy = BatchCloseReason.Full;
        Volatile.Write(ref _holder, pool);
    }

    /// <summary>Disposes the frames still riding and empties the batch, which stays usable (for a buffer without pool).</summary>
    public void Clear()
    {
        for (var i = 0; i < Count; i++)
            TakeFrame(i)?.Dispose();
        Count = 0;
    }

    /// <summary>Returns the batch to its pool, disposing frames nobody took. Idempotent: later calls do nothing.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _holder, null) is not { } pool)
            return;
        Clear();
        pool.Return(this);
    }

    private byte* RowPointer(int index, int stream)
    {
        if ((uint)stream >= (uint)Streams.Rows)
            throw new ArgumentOutOfRangeException(nameof(stream), stream, $"the batch has {Streams.Rows} stream(s)");
        return _input.Pointer + ((long)CheckIndex(index) * Streams.Rows + stream) * FeatureExtractor.FrameBytes;
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)MaxFrames)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the batch holds {MaxFrames} frames");
        return index;
    }

    private static int IndexOf(CnnStreams streams, string name)
    {
        for (var i = 0; i < streams.Names.Count; i++)
            if (streams.Names[i] == name)
                return i;
        return -1;
    }

    private sealed record BoundRows(OrtValue Input, OrtValue Output, OrtIoBinding Binding) : IDisposable
    {
        public void Dispose()
        {
            Binding.Dispose();
            Input.Dispose();
            Output.Dispose();
        }
    }

    /// <summary>Frees the native memory; the pool (or the lane) that created the batch calls it.</summary>
    public void Dispose()
    {
        for (var i = 0; i < MaxFrames; i++)
            _frames[i]?.Dispose();
        foreach (var bound in _bound)
            bound?.Dispose();
        foreach (var mat in _rowMats.Concat(_stagingMats))
            mat?.Dispose();
        _input.Dispose();
        _output.Dispose();
        _staging?.Dispose();
    }
}
