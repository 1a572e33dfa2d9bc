namespace StreamLrcn.Models;

/// <summary>A model package that cannot be used: the message says what was expected and what was found.</summary>
public sealed class ModelPackageException(string message, Exception? inner = null) : Exception(message, inner);
