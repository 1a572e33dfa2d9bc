using System.Text.RegularExpressions;

namespace StreamLrcn.Capture;

/// <summary>Removes credentials from URLs before they are printed anywhere.</summary>
public static partial class UrlRedactor
{
    [GeneratedRegex(@"(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?<userinfo>[^/@\s]+)@")]
    private static partial Regex UserInfo();

    public static string Redact(string text) => UserInfo().Replace(text, "${scheme}***@");
}
