using System.Text.RegularExpressions;

namespace StreamLrcn.Tests.Support;

/// <summary>What a user must never see from the program: a stack trace or a CLR exception or type name.</summary>
public static partial class CliAssert
{
    [GeneratedRegex(@"^\s+at \S+|\b[A-Z]\w*Exception\b|System\.[A-Z]\w*`|Unhandled exception", RegexOptions.Multiline)]
    private static partial Regex Internals();

    public static void NoStackTrace(Cli.Result run) => NoStackTrace(run.AllOutput);

    public static void NoStackTrace(string output)
    {
        var match = Internals().Match(output);
        Assert.False(match.Success, $"the output shows program internals ('{match.Value}'):\n{output}");
    }
}
