namespace StreamLrcn.Hosting;

/// <summary>An event could not be published because the MQTT broker is not connected, refused it, or did not acknowledge it in time.</summary>
public sealed class MqttBrokerUnavailableException(string message) : Exception(message);
