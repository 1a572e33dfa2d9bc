using Spectre.Console;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Cli;

/// <summary>Loads clip features for a command, with a progress bar while the CNN extracts what the cache lacks.</summary>
internal static class FeatureLoading
{
    /// <summary>
    /// Features from the float32 CNN, or from the int8 one with <paramref name="int8"/>'s ranges. The
    /// cache keys on the CNN file, so int8 features (whose file name carries the ranges' key) never
    /// mix with float32 ones; nor do <paramref name="features"/> other than pooled (their file names say which).
    /// </summary>
    public static FeatureStore CreateStore(string? cacheDirectory, string device, int threads, CnnCalibration? int8 = null, CnnFeatures features = CnnFeatures.Pooled)
    {
        var precision = int8 is null ? CnnPrecision.Float32 : CnnPrecision.Int8;
        var cnn = new CnnOptions(DeviceRequest.Parse(device), precision, threads, InFlightBatches: 1, Calibration: int8, Features: features);
        cnn.Validate();
        var model = ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24, precision, calibration: int8, features: features);
        return new(new FeatureCache(cacheDirectory ?? FeatureCache.DefaultDirectory, model), cnn);
    }

    public static IReadOnlyList<ClipFeatures> Load(FeatureStore store, IReadOnlyList<LabelledClip> clips, bool withFlips, string title,
        out FeatureLoadStatistics statistics) =>
        Load(store, clips, withFlips, CnnStreams.RgbOnly, title, out statistics);

    /// <summary>Features of a head of several <paramref name="streams"/> (see <see cref="FeatureStore.Load(IReadOnlyList{LabelledClip}, bool, CnnStreams, out FeatureLoadStatistics, Action{long, long}?)"/>).</summary>
    public static IReadOnlyList<ClipFeatures> Load(FeatureStore store, IReadOnlyList<LabelledClip> clips, bool withFlips, CnnStreams streams, string title,
        out FeatureLoadStatistics statistics) =>
        Load((out FeatureLoadStatistics s, Action<long, long> progress) => store.Load(clips, withFlips, streams, out s, progress), title, out statistics);

    /// <summary>Runs <paramref name="load"/> (a <see cref="FeatureStore"/> call) under a progress bar.</summary>
    public static IReadOnlyList<ClipFeatures> Load(LoadCall load, string title, out FeatureLoadStatistics statistics)
    {
        IReadOnlyList<ClipFeatures>? result = null;
        FeatureLoadStatistics? loaded = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                result = load(out var statistics, (done, total) =>
                {
                    task ??= context.AddTask($"{title}: CNN features", maxValue: total);
                    task.MaxValue = total;
                    task.Value = done;
                });
                task?.StopTask();
                loaded = statistics;
            });
        statistics = loaded!;
        return result!;
    }

    public delegate IReadOnlyList<ClipFeatures> LoadCall(out FeatureLoadStatistics statistics, Action<long, long> onProgress);
}
