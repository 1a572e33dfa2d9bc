using System.CommandLine;

namespace StreamLrcn.Cli;

/// <summary>Checks on option values that System.CommandLine runs while parsing, so a bad value is a parse error (exit code 2) naming the option.</summary>
public static class OptionRules
{
    /// <summary>A value that fails <paramref name="valid"/> is reported as "<c>--name takes EXPECTED, found 'TEXT'</c>".</summary>
    public static Option<T> Require<T>(this Option<T> option, Func<T, bool> valid, string expected)
    {
        option.Validators.Add(result =>
        {
            // Defaults are the program's own; only what the user typed is checked, and text that is
            // not a T at all is already a conversion error.
            if (result.Tokens.Count == 0 || CommandLineErrors.Unconvertible(result.Tokens, typeof(T)) is not null || valid(result.GetValueOrDefault<T>()))
                return;
            result.AddError($"{option.Name} takes {expected}, found '{string.Join(' ', result.Tokens.Select(t => t.Value))}'");
        });
        return option;
    }

    /// <summary>A frame rate: finite and above zero (a timestamp is the frame index divided by it).</summary>
    public static Option<double> RequirePositiveRate(this Option<double> option) =>
        option.Require(rate => double.IsFinite(rate) && rate > 0, "a frame rate above 0");

    /// <summary>Help shows an enum's choices as the docs write them (<c>auto|ffmpeg|opencv</c>), not as CLR names.</summary>
    public static Option<T> LowercaseChoices<T>(this Option<T> option)
    {
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        option.HelpName = string.Join('|', Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        return option;
    }
}
