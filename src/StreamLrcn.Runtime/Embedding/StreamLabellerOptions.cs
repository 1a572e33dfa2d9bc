using StreamLrcn.Inference;
using StreamLrcn.Temporal;
using StreamLrcn.Validation;

namespace StreamLrcn.Embedding;

/// <summary>
/// What a <see cref="StreamLabeller"/> is built from. Everything but <see cref="ModelPath"/> has a
/// default: the model package's window and stride, the best device found, the device's batching.
/// <see cref="Validate"/> names the option that is wrong (<c>StreamLabellerOptions.Window must be…</c>).
/// </summary>
public sealed record StreamLabellerOptions
{
    /// <summary>Folder of the model package (<c>manifest.json</c>, the head, its calibration).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Where the CNN runs: <see cref="DeviceRequest.Auto"/> (CUDA when present, else the CPU), CPU or a CUDA device.</summary>
    public DeviceRequest Device { get; init; } = DeviceRequest.Auto;

    /// <summary>The CNN's precision; null: int8 on a CPU when the package's calibration passed, float32 otherwise.</summary>
    public CnnPrecision? Precision { get; init; }

    /// <summary>Frames in the sliding window; null: the package's.</summary>
    public int? Window { get; init; }

    /// <summary>A window label every this many frames; null: the package's.</summary>
    public int? Stride { get; init; }

    /// <summary>Largest CNN batch; null: the device's default (small on a CPU, large on a GPU).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Longest wait for a batch to fill; null: the device's default.</summary>
    public TimeSpan? BatchDeadline { get; init; }

    /// <summary>
    /// Live sources (cameras, streams): each keeps only its newest frames and drops the rest, so
    /// labels stay current. False (recorded files): every frame is labelled, none dropped.
    /// </summary>
    public bool Live { get; init; }

    /// <summary>A gap between two frames' timestamps longer than this restarts the stream's recurrent state.</summary>
    public TimeSpan MaxTimestampGap { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Labels computed ahead of the reader; when they are all waiting, the pipeline waits for the reader (no label is dropped).</summary>
    public int LabelBufferSize { get; init; } = 256;

    /// <summary>Throws <see cref="InvalidOptionException"/> for the first option that cannot work.</summary>
    public void Validate()
    {
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(!string.IsNullOrWhiteSpace(ModelPath), nameof(ModelPath), "a model package folder", ModelPath);
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(Device is not null, nameof(Device), "a device (DeviceRequest.Auto, .Cpu or a CUDA device)", null);
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(Window is null or (>= 1 and <= TemporalOptions.MaxWindow), nameof(Window),
            $"1 to {TemporalOptions.MaxWindow} frames (or null for the package's)", Window);
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(Stride is null or >= 1, nameof(Stride), "at least 1 frame (or null for the package's)", Stride);
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(BatchSize is null or (>= 1 and <= BatchingOptions.MaxAllowedBatchSize), nameof(BatchSize),
            $"1 to {BatchingOptions.MaxAllowedBatchSize} frames (or null for the device's)", BatchSize);
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(BatchDeadline is null || BatchDeadline >= TimeSpan.Zero, nameof(BatchDeadline), "0 or more (or null for the device's)", BatchDeadline);
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(MaxTimestampGap > TimeSpan.Zero, nameof(MaxTimestampGap), "positive", MaxTimestampGap);
        InvalidOptionException.ThrowUnless<StreamLabellerOptions>(LabelBufferSize >= 1, nameof(LabelBufferSize), "at least 1 label", LabelBufferSize);
    }
}
