namespace StreamLrcn.Training.Training;

/// <summary>One epoch of the learning curves; validation fields are null when there is no validation set.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy);
