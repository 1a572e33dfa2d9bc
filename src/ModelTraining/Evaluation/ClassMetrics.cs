namespace StreamLrcn.Training.Evaluation;

/// <summary>Precision and recall of one class, from a confusion matrix.</summary>
public sealed record ClassMetrics(string Label, int Support, double Precision, double Recall);
