using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace StreamLrcn.Models;

/// <summary>
/// <c>cnn-calibration.json</c> of a model package: the activation ranges the int8 CNN is quantized
/// with, how they were computed, and the check of int8 against float32 made when they were.
/// Written only by <c>model calibrate</c>, and only when the check passed.
/// </summary>
public sealed record CnnCalibration
{
    public const string FileName = "cnn-calibration.json";
    public const string FormatName = "streamlrcn-cnn-calibration";
    public const int CurrentFormatVersion = 1;

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The CNN the ranges belong to (<see cref="CnnSpec.Model"/>).</summary>
    public required string Cnn { get; init; }

    /// <summary><c>ResNet18FeatureModel.SourceKey</c> of the float32 model that was run.</summary>
    public required string CnnSource { get; init; }

    /// <summary>How the ranges were computed ("min/max per tensor").</summary>
    public required string Method { get; init; }

    /// <summary>Frames the ranges were computed on, and the clips they came from.</summary>
    public required int Frames { get; init; }

    public required IReadOnlyList<string> Clips { get; init; }

    /// <summary>Every k-th frame of each clip was used.</summary>
    public required int FrameStride { get; init; }

    public required string Date { get; init; }

    /// <summary>Float range of each activation tensor, by tensor name of the float32 model.</summary>
    public required IReadOnlyDictionary<string, TensorRange> Ranges { get; init; }

    /// <summary>int8 against float32 on the check clips; null only while the check runs.</summary>
    public CalibrationCheckResult? Check { get; init; }

    /// <summary>Identifies the ranges, for the name of the cached int8 model.</summary>
    public string Key()
    {
        var text = new StringBuilder();
        foreach (var (name, range) in Ranges.OrderBy(r => r.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"{name}:{range.Min:R}:{range.Max:R};");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    /// <summary>Reads the calibration of package folder <paramref name="directory"/>; null when it has none.</summary>
    public static CnnCalibration? Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        CnnCalibration calibration;
        try
        {
            calibration = JsonSerializer.Deserialize<CnnCalibration>(File.ReadAllText(path), ModelManifest.JsonOptions)
                ?? throw new ModelPackageException($"{path}: expected a JSON object, found null");
        }
        catch (JsonException ex)
        {
            throw new ModelPackageException($"{path} is not a valid CNN calibration: {ex.Message}", ex);
        }
        if (calibration.Format != FormatName || calibration.FormatVersion != CurrentFormatVersion)
            throw new ModelPackageException($"{path}: expected format '{FormatName}' version {CurrentFormatVersion}, found '{calibration.Format}' version {calibration.FormatVersion}");
        var invalid = calibration.Ranges.Where(r => !(r.Value.Min <= r.Value.Max) || !float.IsFinite(r.Value.Min) || !float.IsFinite(r.Value.Max)).Select(r => r.Key).ToArray();
        if (calibration.Ranges.Count == 0 || invalid.Length > 0)
            throw new ModelPackageException($"{path}: expected finite ranges with min <= max, found {(invalid.Length > 0 ? "invalid ranges for " + string.Join(", ", invalid.Take(3)) : "no ranges")}");
        return calibration;
    }

    /// <summary>Writes the calibration into package folder <paramref name="directory"/>, replacing any previous one at once.</summary>
    public void Save(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, ModelManifest.JsonOptions) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>The float range an activation tensor took over the calibration frames.</summary>
public sealed record TensorRange(float Min, float Max);

/// <summary>
/// int8 against float32 on the check clips: feature cosine per frame, and how many per-frame and
/// window labels of the package's head changed.
/// </summary>
public sealed record CalibrationCheckResult
{
    public required IReadOnlyList<string> Clips { get; init; }
    public required int Frames { get; init; }
    public required double MinCosine { get; init; }
    public required double MeanCosine { get; init; }
    public required int ChangedFrameLabels { get; init; }
    public required int Windows { get; init; }
    public required int ChangedWindowLabels { get; init; }

    /// <summary>Largest fraction of changed window labels that passes.</summary>
    public required double MaxChangedWindowFraction { get; init; }

    public double ChangedWindowFraction => Windows > 0 ? (double)ChangedWindowLabels / Windows : 0;

    public bool Passed => Windows > 0 && ChangedWindowFraction <= MaxChangedWindowFraction;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Clips.Count} clips, {Frames} frames: feature cosine min {MinCosine:0.0000}, mean {MeanCosine:0.0000}; " +
        $"frame labels changed {ChangedFrameLabels}/{Frames} ({(Frames > 0 ? (double)ChangedFrameLabels / Frames : 0):P2}); " +
        $"window labels changed {ChangedWindowLabels}/{Windows} ({ChangedWindowFraction:P2}, limit {MaxChangedWindowFraction:P0}): {(Passed ? "passed" : "FAILED")}");
}
