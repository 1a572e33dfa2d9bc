namespace StreamLrcn.Hosting;

/// <summary>The monitor's configuration file is missing, unreadable or invalid; the message names the file and the field.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);
