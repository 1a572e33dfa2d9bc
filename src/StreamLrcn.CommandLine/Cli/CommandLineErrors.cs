using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace StreamLrcn.Cli;

/// <summary>
/// Says what was wrong with the command line in the user's terms: a value that does not convert
/// names the option, what it takes and what was typed, instead of System.CommandLine's CLR type
/// name (<c>System.Nullable`1[System.Int32]</c>).
/// </summary>
public static class CommandLineErrors
{
    public static string Describe(ParseError error)
    {
        var (name, type, tokens) = error.SymbolResult switch
        {
            OptionResult option => (option.Option.Name, option.Option.ValueType, option.Tokens),
            ArgumentResult { Parent: OptionResult option } => (option.Option.Name, option.Option.ValueType, option.Tokens),
            ArgumentResult argument => ($"<{argument.Argument.Name}>", argument.Argument.ValueType, argument.Tokens),
            _ => (null, null, null),
        };
        if (name is null || type is null || tokens is null)
            return error.Message;
        return Unconvertible(tokens, type) is { } bad ? $"{name} takes {Expected(ElementType(type))}, found '{bad.Value}'" : error.Message;
    }

    /// <summary>The first token that does not convert to <paramref name="valueType"/> (or its elements), if any.</summary>
    public static Token? Unconvertible(IReadOnlyList<Token> tokens, Type valueType)
    {
        var element = ElementType(valueType);
        return tokens.FirstOrDefault(t => !Converts(t.Value, element));
    }

    private static Type ElementType(Type type)
    {
        if (type.IsArray)
            type = type.GetElementType()!;
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    /// <summary>Whether System.CommandLine can turn <paramref name="text"/> into <paramref name="type"/>; types not listed here are taken as text.</summary>
    private static bool Converts(string text, Type type) => type switch
    {
        _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(bool) => bool.TryParse(text, out _),
        _ when type.IsEnum => Enum.TryParse(type, text, ignoreCase: true, out _),
        _ => true,
    };

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant())),
        _ => "a value",
    };
}
