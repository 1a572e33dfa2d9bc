namespace StreamLrcn.Hosting;

/// <summary><c>http:</c> where <c>/metrics</c> (Prometheus) and <c>/health</c> are served; loopback unless told otherwise.</summary>
public sealed record HttpConfig(string Address = "127.0.0.1", int Port = 9464, bool Enabled = true);
