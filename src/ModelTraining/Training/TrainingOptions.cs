using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Training;

/// <summary>Everything that decides a training run. Defaults follow the seed's experience; <see cref="Validate"/> runs before any work.</summary>
public sealed record TrainingOptions
{
    public SamplingMode Sampling { get; init; } = SamplingMode.Window;

    /// <summary>Frames per fixed-length sequence; also the runtime's sliding-window length written to the manifest.</summary>
    public int Length { get; init; } = 16;

    /// <summary>Sliding-window stride written to the manifest and used for window accuracy.</summary>
    public int Stride { get; init; } = 4;

    public int HiddenSize { get; init; } = 128;

    /// <summary>Units of a dense layer (ReLU, dropout) between the CNN features and the GRU; 0 for none (the GRU reads the features).</summary>
    public int DenseSize { get; init; }

    public int Layers { get; init; } = 1;
    public double Dropout { get; init; } = 0.5;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double LearningRate { get; init; } = 0.01;
    public double Momentum { get; init; } = 0.9;
    /// <summary>L2 penalty on the weights (the optimizer's weight decay); 0 for none.</summary>
    public double WeightDecay { get; init; }

    public double ClipNorm { get; init; } = 1.0;
    public double ClipValue { get; init; } = 0.5;
    public int BatchSize { get; init; } = 16;
    /// <summary>
    /// Most epochs. Short on purpose: on arm-gestures, heads trained longer fit the training person's
    /// appearance and did worse on the other person (see README "Training").
    /// </summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Stop after this many epochs without a better validation result; 0 never stops early.</summary>
    public int Patience { get; init; } = 15;

    /// <summary>Weight of the per-frame loss (every step) next to the clip loss (last step).</summary>
    public double FrameLossWeight { get; init; } = 0.5;

    /// <summary>Sequences drawn from each clip per epoch; 0: one per clip, or for <see cref="SamplingMode.Window"/> one per window length of the clip.</summary>
    public int SamplesPerClip { get; init; }

    /// <summary>Random temporal offsets when sampling training sequences.</summary>
    public bool Jitter { get; init; } = true;

    /// <summary>Also train on horizontally mirrored clips (their features are cached separately).</summary>
    public bool Flip { get; init; } = true;

    public int Seed { get; init; } = 1;

    /// <summary>
    /// CPU threads for TorchSharp. The head is small: one thread is as fast as two on an idle machine and
    /// several times faster on a busy one, where OpenMP threads spin against other processes.
    /// </summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option and the bad value.</summary>
    public void Validate()
    {
        Check(Length >= 1, "window", Length, "at least 1");
        Check(Stride >= 1, "stride", Stride, "at least 1");
        Check(HiddenSize >= 1, "hidden", HiddenSize, "at least 1");
        Check(Layers >= 1, "layers", Layers, "at least 1");
        Check(DenseSize >= 0, "dense", DenseSize, "0 (none) or more");
        Check(Dropout is >= 0 and < 1, "dropout", Dropout, "in [0, 1)");
        Check(LearningRate > 0, "lr", LearningRate, "above 0");
        Check(Momentum is >= 0 and < 1, "momentum", Momentum, "in [0, 1)");
        Check(WeightDecay >= 0, "weight-decay", WeightDecay, "0 or more");
        Check(ClipNorm > 0, "clip-norm", ClipNorm, "above 0");
        Check(ClipValue > 0, "clip-value", ClipValue, "above 0");
        Check(BatchSize >= 1, "train-batch", BatchSize, "at least 1");
        Check(Epochs >= 1, "epochs", Epochs, "at least 1");
        Check(Patience >= 0, "patience", Patience, "0 or more");
        Check(FrameLossWeight >= 0, "frame-loss-weight", FrameLossWeight, "0 or more");
        Check(TorchThreads >= 1, "torch-threads", TorchThreads, "at least 1");
        Check(SamplesPerClip >= 0, "samples-per-clip", SamplesPerClip, "0 or more");
    }

    private static void Check(bool ok, string option, object value, string expected)
    {
        if (!ok)
            throw new ArgumentException($"--{option} {value}: expected {expected}");
    }
}
