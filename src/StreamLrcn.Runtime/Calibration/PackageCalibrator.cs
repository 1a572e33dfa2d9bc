using System.Globalization;
using StreamLrcn.Capture;
using StreamLrcn.Inference;

using StreamLrcn.Models;

namespace StreamLrcn.Calibration;

/// <summary>
/// Calibrates the int8 CNN for a model package: min/max activation ranges over every
/// <c>frameStride</c>-th frame of the calibration clips, then <see cref="CalibrationCheck"/> of
/// int8 against float32 on the check clips through the package's own head. Used by
/// <c>model calibrate</c> and by the trainer, so both produce the same record.
/// </summary>
public static class PackageCalibrator
{
    public const int DefaultFrameStride = 1;

    /// <summary>
    /// Computes the ranges and runs the check. The result is only saved by the caller, and only
    /// when <see cref="CalibrationCheckResult.Passed"/>. Throws <see cref="FrameSourceException"/> for an unreadable clip.
    /// </summary>
    public static CnnCalibration Calibrate(ModelPackage package, IReadOnlyList<string> calibrationClips, IReadOnlyList<string> checkClips,
        int frameStride = DefaultFrameStride, double maxChangedWindowFraction = CalibrationCheck.DefaultMaxChangedWindowFraction,
        int cpuThreads = 0, Action<string>? onClip = null) =>
        Check(package, MeasureRanges(calibrationClips, frameStride, cpuThreads, onClip, CnnStreams.From(package.Manifest.Cnn)), checkClips, maxChangedWindowFraction, cpuThreads, onClip);

    /// <summary>The ranges alone (<see cref="CnnCalibration.Check"/> null): what the trainer needs before it featurizes in int8.</summary>
    /// <param name="streams">The package's CNN inputs: the ranges cover its difference images too; null: the frames alone.</param>
    public static CnnCalibration MeasureRanges(IReadOnlyList<string> calibrationClips, int frameStride = DefaultFrameStride, int cpuThreads = 0,
        Action<string>? onClip = null, CnnStreams? streams = null)
    {
        if (calibrationClips.Count == 0)
            throw new ArgumentException("calibration needs clips: expected at least one calibration clip, found none", nameof(calibrationClips));
        using var calibrator = new ActivationCalibrator(cpuThreads);
        foreach (var clip in calibrationClips)
        {
            calibrator.AddClip(clip, frameStride, streams);
            onClip?.Invoke(clip);
        }
        return new CnnCalibration
        {
            Cnn = ResNet18FeatureModel.Id,
            CnnSource = ResNet18FeatureModel.SourceKey(),
            Method = "min/max per tensor",
            Frames = calibrator.Frames,
            Clips = calibrationClips.Select(ClipName).ToArray(),
            FrameStride = frameStride,
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Ranges = calibrator.Ranges(),
        };
    }

    /// <summary>The ranges with the check of int8 against float32 on <paramref name="checkClips"/> through the package's head.</summary>
    public static CnnCalibration Check(ModelPackage package, CnnCalibration calibration, IReadOnlyList<string> checkClips,
        double maxChangedWindowFraction = CalibrationCheck.DefaultMaxChangedWindowFraction, int cpuThreads = 0, Action<string>? onClip = null)
    {
        if (checkClips.Count == 0)
            throw new ArgumentException("the int8 check needs clips: expected at least one check clip, found none", nameof(checkClips));
        if (calibration.Cnn != package.Manifest.Cnn.Model)
            throw new ModelPackageException($"calibration of CNN '{calibration.Cnn}' cannot serve package {package.Directory}: expected CNN '{package.Manifest.Cnn.Model}'");
        return calibration with { Check = CalibrationCheck.Run(package, calibration, checkClips, maxChangedWindowFraction, cpuThreads, onClip) };
    }

    /// <summary><c>label/name</c> of a clip: enough to find it again in its dataset, without the machine's own paths.</summary>
    public static string ClipName(string clipPath)
    {
        var trimmed = clipPath.TrimEnd(Path.DirectorySeparatorChar);
        return $"{Path.GetFileName(Path.GetDirectoryName(trimmed))}/{Path.GetFileName(trimmed)}";
    }
}
