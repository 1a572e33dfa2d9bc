namespace StreamLrcn.Hosting.Web;

/// <summary>
/// <c>http.auth:</c> required when <c>http.address</c> is not a loopback address. Either a
/// <see cref="Token"/> (sent as <c>Authorization: Bearer TOKEN</c>, or once as <c>?token=TOKEN</c>,
/// which sets a cookie for the pages), or a <see cref="User"/> with a <see cref="PasswordHash"/>
/// (HTTP Basic; the hash is <c>pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64</c>, see README).
/// </summary>
public sealed record HttpAuthConfig(string? Token = null, string? User = null, string? PasswordHash = null);
