namespace StreamLrcn.Capture;

/// <summary>A source could not be opened or failed while reading. The message says what was expected and what was found.</summary>
public sealed class FrameSourceException(string message, Exception? inner = null) : Exception(message, inner);
