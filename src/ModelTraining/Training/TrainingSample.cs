namespace StreamLrcn.Training.Training;

/// <summary>A sequence of frame features [Length, F] with its label index.</summary>
public sealed record TrainingSample(float[] Features, int Length, int Label);
