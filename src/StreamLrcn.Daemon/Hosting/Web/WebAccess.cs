using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// Who may use the HTTP server. Loopback needs nothing; any other address needs <c>http.auth</c>
/// (<see cref="Validate"/> refuses the config otherwise). With auth configured every request but
/// <c>/health</c> must carry it: a bearer token (header, or <c>?token=</c> once, which sets an
/// HttpOnly cookie so the pages' own requests carry it), or HTTP Basic checked against a
/// PBKDF2-SHA256 hash. Comparisons take constant time.
/// </summary>
public sealed class WebAccess(HttpAuthConfig? auth)
{
    public const string CookieName = "streamlrcn_token";
    private const string HashScheme = "pbkdf2-sha256";

    // A browser sends Basic credentials with every request; PBKDF2 is slow on purpose, so a header
    // that passed once is remembered (by its SHA-256) rather than hashed again.
    private readonly ConcurrentDictionary<string, bool> _verified = new(StringComparer.Ordinal);

    /// <summary>Throws <see cref="ConfigException"/> when the server would listen beyond loopback without auth, or when auth is malformed.</summary>
    public static void Validate(HttpConfig http)
    {
        if (!http.Enabled)
            return;
        var auth = http.Auth;
        if (auth is not null)
        {
            var hasToken = !string.IsNullOrEmpty(auth.Token);
            var hasUser = !string.IsNullOrEmpty(auth.User) || !string.IsNullOrEmpty(auth.PasswordHash);
            if (hasToken == hasUser)
                throw new ConfigException("http.auth: give either a token, or a user with a passwordHash (not both, not neither)");
            if (hasToken && auth.Token!.Length < 16)
                throw new ConfigException($"http.auth.token must be at least 16 characters, found {auth.Token.Length}");
            if (hasUser)
            {
                if (string.IsNullOrEmpty(auth.User) || auth.User.Contains(':'))
                    throw new ConfigException($"http.auth.user must be a name without ':', found '{auth.User}'");
                if (ParseHash(auth.PasswordHash) is null)
                    throw new ConfigException($"http.auth.passwordHash must be {HashScheme}$ITERATIONS$SALT_BASE64$HASH_BASE64 (README shows how to make one), found '{auth.PasswordHash}'");
            }
        }
        else if (!IsLoopback(http.Address))
        {
            throw new ConfigException(
                $"http.address {http.Address} is reachable from other machines, so http.auth is required (a token, or a user with a passwordHash); or listen on 127.0.0.1");
        }
    }

    public static bool IsLoopback(string address) =>
        address.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The middleware: lets the request through or answers 401.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (auth is null || context.Request.Path.Equals("/health", StringComparison.Ordinal) || Allowed(context))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (!string.IsNullOrEmpty(auth.User))
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"StreamLrcn\", charset=\"UTF-8\"";
        else
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"StreamLrcn\"";
        await context.Response.WriteAsync("authentication required: see http.auth in README\n", context.RequestAborted);
    }

    private bool Allowed(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!string.IsNullOrEmpty(auth!.Token))
        {
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && SameText(header[7..].Trim(), auth.Token))
                return true;
            if (context.Request.Cookies.TryGetValue(CookieName, out var cookie) && SameText(cookie, auth.Token))
                return true;
            if (context.Request.Query.TryGetValue("token", out var query) && SameText(query.ToString(), auth.Token))
            {
                context.Response.Cookies.Append(CookieName, auth.Token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
                return true;
            }
            return false;
        }
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(header)));
        if (_verified.ContainsKey(key))
            return true;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':');
        if (colon < 0 || !SameText(decoded[..colon], auth.User!) || !VerifyPassword(decoded[(colon + 1)..], auth.PasswordHash!))
            return false;
        if (_verified.Count < 64)
            _verified[key] = true;
        return true;
    }

    /// <summary>True when <paramref name="password"/> matches <paramref name="hash"/> (<c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c>, base64).</summary>
    public static bool VerifyPassword(string password, string hash)
    {
        if (ParseHash(hash) is not var (iterations, salt, expected))
            return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A hash in the form <see cref="VerifyPassword"/> reads, with a fresh salt.</summary>
    public static string HashPassword(string password, int iterations = 600_000)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{HashScheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    private static (int Iterations, byte[] Salt, byte[] Hash)? ParseHash(string? text)
    {
        var parts = (text ?? "").Split('$');
        if (parts.Length != 4 || parts[0] != HashScheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1000)
            return null;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var hash = Convert.FromBase64String(parts[3]);
            return salt.Length >= 8 && hash.Length >= 16 ? (iterations, salt, hash) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool SameText(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
