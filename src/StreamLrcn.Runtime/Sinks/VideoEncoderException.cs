namespace StreamLrcn.Sinks;

/// <summary>An annotated video could not be started or written; the message says which file, which encoder and what it reported.</summary>
public sealed class VideoEncoderException(string message, Exception? inner = null) : Exception(message, inner);
