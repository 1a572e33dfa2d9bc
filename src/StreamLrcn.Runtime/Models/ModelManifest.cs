using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamLrcn.Models;

/// <summary>
/// <c>manifest.json</c> of a model package: what the runtime needs to know to load and check the
/// ONNX files beside it. See README "Model package" for the format.
/// </summary>
public sealed record ModelManifest
{
    public const string FormatName = "streamlrcn-model";
    public const int CurrentFormatVersion = 1;

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>False for a head with untrained weights (placeholder packages).</summary>
    public bool Trained { get; init; }

    /// <summary>Class names in the order of the head's outputs.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    public required CnnSpec Cnn { get; init; }
    public required HeadSpec Head { get; init; }

    /// <summary>Sequence length the head was trained on; the sliding window runs over this many frames.</summary>
    public required int Window { get; init; }

    /// <summary>A window label is emitted every <c>Stride</c> frames.</summary>
    public required int Stride { get; init; }

    /// <summary>
    /// Optional per-label probability thresholds (every label, each 0-1), chosen by the trainer on
    /// validation clips: a frame whose labels all stay below their thresholds is labelled
    /// <c>none</c> (see <see cref="Temporal.LabelThresholds"/>). Absent: every frame gets its most probable label.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Thresholds { get; init; }

    /// <summary>Free-form facts from training (data, accuracy, date).</summary>
    public Dictionary<string, JsonElement>? Training { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>The frame featurizer. <see cref="Model"/> names a CNN the runtime derives itself (not shipped in the package).</summary>
public sealed record CnnSpec
{
    /// <summary>Only <see cref="SupportedCnn.Id"/> exists so far.</summary>
    public required string Model { get; init; }

    /// <summary>Length of the feature vector the CNN emits per input row (per stream): what <see cref="Features"/> gives.</summary>
    public required int FeatureSize { get; init; }

    /// <summary>
    /// What the CNN gives per row (<see cref="CnnFeatureNames"/>): <c>"pooled"</c> (512), <c>"grid2"</c>
    /// (2048) or <c>"flatten"</c> (25088). Absent: pooled, as every package before the option.
    /// </summary>
    public string? Features { get; init; }

    /// <summary>
    /// The inputs the head takes per frame, in feature order: <c>"rgb"</c> (the frame) and/or
    /// <c>"difference"</c> (see <see cref="Difference"/>). Absent: the frame alone, as every package
    /// before the motion stream.
    /// </summary>
    public IReadOnlyList<string>? Streams { get; init; }

    /// <summary>The difference image's step and scale; absent with a difference stream: step 1, scale 2.</summary>
    public DifferenceSpec? Difference { get; init; }

    /// <summary>Features the head takes per frame: <see cref="FeatureSize"/> for each stream.</summary>
    [JsonIgnore]
    public int HeadFeatureSize => FeatureSize * (Streams?.Count ?? 1);
}

/// <summary>The recurrent head: a GRU over features and a linear classifier, one ONNX file.</summary>
public sealed record HeadSpec
{
    public required string File { get; init; }
    public required int HiddenSize { get; init; }
    public required int Layers { get; init; }
    public string FeaturesInput { get; init; } = HeadModelWriter.FeaturesInput;
    public string StateInput { get; init; } = HeadModelWriter.StateInput;
    public string LogitsOutput { get; init; } = HeadModelWriter.LogitsOutput;
    public string ProbabilitiesOutput { get; init; } = HeadModelWriter.ProbabilitiesOutput;
    public string StateOutput { get; init; } = HeadModelWriter.StateOutput;
}
