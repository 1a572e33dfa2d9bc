namespace StreamLrcn.Training.Data;

/// <summary>A dataset or split that cannot be used: the message says what was expected and what was found.</summary>
public sealed class DatasetException(string message) : Exception(message);
