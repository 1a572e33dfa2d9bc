namespace StreamLrcn.Training.Export;

/// <summary>Largest absolute differences between TorchSharp and ONNX Runtime over every compared input.</summary>
public sealed record ParityReport(double MaxLogitDifference, double MaxProbabilityDifference, double MaxStateDifference, int Cases, int Steps)
{
    public double MaxDifference => Math.Max(MaxLogitDifference, Math.Max(MaxProbabilityDifference, MaxStateDifference));
}
