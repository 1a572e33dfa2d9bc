using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace StreamLrcn.Hosting;

/// <summary>
/// Reads a <see cref="MonitorConfig"/> from a <c>.json</c>, <c>.yaml</c> or <c>.yml</c> file. YAML
/// is turned into the same JSON tree first, so both formats go through one deserializer: unknown
/// keys and wrong types are errors that name the field. <c>${NAME}</c> in a text value is replaced
/// by environment variable NAME (secrets stay out of the file; <c>$${</c> writes a literal <c>${</c>).
/// </summary>
public static partial class MonitorConfigLoader
{
    [GeneratedRegex(@"\$\$\{|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex EnvironmentReference();

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static MonitorConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"config file '{path}' cannot be read: {ex.Message}", ex);
        }
        var extension = Path.GetExtension(path).ToLowerInvariant();
        JsonNode? tree = extension switch
        {
            ".json" => ParseJson(path, text),
            ".yaml" or ".yml" => ParseYaml(path, text),
            _ => throw new ConfigException($"config file '{path}': expected a .json, .yaml or .yml file, found '{extension}'"),
        };
        if (tree is not JsonObject)
            throw new ConfigException($"config file '{path}': expected a mapping with a 'cameras' list at the top, found {(tree is null ? "nothing" : tree.GetValueKind().ToString().ToLowerInvariant())}");
        SubstituteEnvironment(tree, "", path);
        try
        {
            var config = tree.Deserialize<MonitorConfig>(Json) ?? throw new ConfigException($"config file '{path}' is empty");
            return config.WithPathsRelativeTo(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) ? "" : ex.Path.TrimStart('$', '.');
            throw new ConfigException($"config file '{path}' field '{field}': {Explain(field, ex.Message)}", ex);
        }
    }

    /// <summary>Replaces <c>${NAME}</c> in every text value of the tree; an unset variable is an error naming it and the field.</summary>
    private static void SubstituteEnvironment(JsonNode? node, string field, string file)
    {
        switch (node)
        {
            case JsonObject mapping:
                foreach (var (key, value) in mapping.ToArray())
                    SubstituteEnvironment(value, field.Length == 0 ? key : $"{field}.{key}", file);
                break;
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                    SubstituteEnvironment(list[i], $"{field}[{i}]", file);
                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains('$', StringComparison.Ordinal):
                var replaced = EnvironmentReference().Replace(text, match =>
                {
                    if (!match.Groups["name"].Success)
                        return "${";
                    var name = match.Groups["name"].Value;
                    return Environment.GetEnvironmentVariable(name)
                        ?? throw new ConfigException($"config file '{file}' field '{field}': environment variable '{name}' is not set");
                });
                value.ReplaceWith(JsonValue.Create(replaced));
                break;
        }
    }

    /// <summary>Says in the config's own terms what System.Text.Json found wrong at <paramref name="field"/>.</summary>
    private static string Explain(string field, string message)
    {
        var segments = field.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var section = TypeAt(segments[..^1]);
            var known = section is null ? "" : $"; known keys here: {string.Join(", ", KeysOf(section))}";
            return $"unknown key '{segments[^1]}'{known}";
        }
        if (message.Contains("could not be converted", StringComparison.Ordinal) && TypeAt(segments) is { } type)
            return $"expected {Describe(type)}";
        return message.Split(" Path:", 2)[0];
    }

    private static Type? TypeAt(IEnumerable<string> segments)
    {
        Type? type = typeof(MonitorConfig);
        foreach (var segment in segments)
        {
            if (type is null)
                return null;
            if (segment.StartsWith('['))
            {
                type = type.IsGenericType ? type.GetGenericArguments()[0] : null;
                continue;
            }
            type = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        }
        return type;
    }

    private static IEnumerable<string> KeysOf(Type type) =>
        type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First().GetParameters().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name!));

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(string) => "text",
        _ when type.IsGenericType => "a list",
        _ => $"a mapping with keys {string.Join(", ", KeysOf(type))}",
    };

    private static JsonNode? ParseJson(string path, string text)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"config file '{path}': JSON syntax error at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}: {ex.Message.Split(" LineNumber:", 2)[0]}", ex);
        }
    }

    private static JsonNode? ParseYaml(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ConfigException($"config file '{path}': YAML syntax error at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }
        return stream.Documents.Count == 0 ? null : ToJson(stream.Documents[0].RootNode, path);
    }

    /// <summary>Plain YAML scalars become numbers, booleans or null when they read as such; quoted ones stay strings.</summary>
    private static JsonNode? ToJson(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: var name })
                        throw new ConfigException(
                            $"config file '{path}' line {key.Start.Line}, column {key.Start.Column}: expected a key in plain text, found a {(key is YamlSequenceNode ? "list" : "mapping")} used as a key ('? ' syntax)");
                    obj[name ?? ""] = ToJson(value, path);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                    array.Add(ToJson(item, path));
                return array;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
                    return JsonValue.Create(text);
                if (text is "" or "~" or "null" or "Null" or "NULL")
                    return null;
                if (text is "true" or "True" or "TRUE")
                    return JsonValue.Create(true);
                if (text is "false" or "False" or "FALSE")
                    return JsonValue.Create(false);
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                    return JsonValue.Create(integer);
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
                    return JsonValue.Create(real);
                return JsonValue.Create(text);
            default:
                return null;
        }
    }
}
