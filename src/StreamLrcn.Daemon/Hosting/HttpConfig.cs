using StreamLrcn.Hosting.Web;

namespace StreamLrcn.Hosting;

/// <summary><c>http:</c> where <c>/metrics</c> (Prometheus), <c>/health</c>, the API and the pages are served; loopback unless told otherwise, and then only with <see cref="Auth"/>.</summary>
public sealed record HttpConfig(string Address = "127.0.0.1", int Port = 9464, bool Enabled = true, HttpAuthConfig? Auth = null);
