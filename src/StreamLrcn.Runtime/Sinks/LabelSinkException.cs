namespace StreamLrcn.Sinks;

/// <summary>A labels output could not be opened or written; the message says which, what the system reported and how many labels it holds.</summary>
public sealed class LabelSinkException(string message, Exception? inner = null) : Exception(message, inner);
