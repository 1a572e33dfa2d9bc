namespace StreamLrcn.Training.Export;

/// <summary>The exported head does not compute what the trained module computes; no package was kept.</summary>
public sealed class ExportParityException(string message) : Exception(message);
