using StreamLrcn.Training.Model;

namespace StreamLrcn.Training.Training;

/// <summary>The trained module (best checkpoint loaded, evaluation mode) and how it got there. The caller owns and disposes <see cref="Model"/>.</summary>
public sealed record TrainingResult(GruClassifier Model, IReadOnlyList<EpochRecord> History, int BestEpoch, TimeSpan Elapsed)
{
    public bool StoppedEarly { get; init; }
}
