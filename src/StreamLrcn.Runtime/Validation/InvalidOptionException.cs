using System.Globalization;

namespace StreamLrcn.Validation;

/// <summary>
/// An options record holds a value it cannot run with. The message names the option as the
/// library knows it (<c>TemporalOptions.Window must be 1 to 10000 frames, found 0</c>); a host
/// that exposes the option under another name (a command-line flag, a config key) can say it in
/// its own words from <see cref="Record"/>, <see cref="Option"/>, <see cref="Expected"/> and <see cref="Found"/>.
/// </summary>
public sealed class InvalidOptionException(string record, string option, string expected, object? found)
    : ArgumentException(Describe($"{record}.{option}", expected, found), option)
{
    /// <summary>The options type, e.g. <c>TemporalOptions</c>.</summary>
    public string Record { get; } = record;

    /// <summary>The property, e.g. <c>Window</c>.</summary>
    public string Option { get; } = option;

    /// <summary>What the option accepts, e.g. <c>1 to 10000 frames</c>.</summary>
    public string Expected { get; } = expected;

    /// <summary>The value it held.</summary>
    public object? Found { get; } = found;

    /// <summary>The message without ArgumentException's "(Parameter …)" suffix.</summary>
    public override string Message => Describe($"{Record}.{Option}", Expected, Found);

    /// <summary>The same account under another name for the option: <c>--window must be 1 to 10000 frames, found 0</c>.</summary>
    public string DescribeAs(string name) => Describe(name, Expected, Found);

    private static string Describe(string name, string expected, object? found) =>
        string.Create(CultureInfo.InvariantCulture, $"{name} must be {expected}, found {found ?? "nothing"}");

    /// <summary>Throws unless <paramref name="valid"/>.</summary>
    public static void ThrowUnless<TRecord>(bool valid, string option, string expected, object? found)
    {
        if (!valid)
            throw new InvalidOptionException(typeof(TRecord).Name, option, expected, found);
    }
}
