using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace StreamLrcn.Hosting;

/// <summary>
/// Reads a <see cref="MonitorConfig"/> from a <c>.json</c>, <c>.yaml</c> or <c>.yml</c> file. YAML
/// is turned into the same JSON tree first, so both formats go through one deserializer: unknown
/// keys and wrong types are errors that name the field.
/// </summary>
public static class MonitorConfigLoader
{
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
        try
        {
            return tree.Deserialize<MonitorConfig>(Json) ?? throw new ConfigException($"config file '{path}' is empty");
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) ? "" : $" field '{ex.Path.TrimStart('$', '.')}'";
            var message = ex.Message.Split(" Path:", 2)[0];
            throw new ConfigException($"config file '{path}'{field}: {message}", ex);
        }
    }

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
        return stream.Documents.Count == 0 ? null : ToJson(stream.Documents[0].RootNode);
    }

    /// <summary>Plain YAML scalars become numbers, booleans or null when they read as such; quoted ones stay strings.</summary>
    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                    obj[((YamlScalarNode)key).Value ?? ""] = ToJson(value);
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                    array.Add(ToJson(item));
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
