namespace StreamLrcn.Inference;

/// <summary>The device the user named cannot run the model here.</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
