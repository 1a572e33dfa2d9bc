using System.Text.RegularExpressions;

namespace StreamLrcn.Capture;

/// <summary>
/// Removes credentials from URLs before they are printed anywhere. Everything from the scheme to
/// the last '@' of the URL goes, so a password with a raw '@' or '/' in it leaves nothing behind
/// (a URL with an '@' in its path and no credentials loses its host in messages: the safe side).
/// </summary>
public static partial class UrlRedactor
{
    [GeneratedRegex(@"(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?<userinfo>\S+)@")]
    private static partial Regex UserInfo();

    public static string Redact(string text) => UserInfo().Replace(text, "${scheme}***@");
}
