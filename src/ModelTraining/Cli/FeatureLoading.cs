using Spectre.Console;
using StreamLrcn.Inference;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Features;

namespace StreamLrcn.Training.Cli;

/// <summary>Loads clip features for a command, with a progress bar while the CNN extracts what the cache lacks.</summary>
internal static class FeatureLoading
{
    public static FeatureStore CreateStore(string? cacheDirectory, string device, int threads) =>
        new(new FeatureCache(cacheDirectory ?? FeatureCache.DefaultDirectory, ResNet18FeatureModel.Ensure(CnnInputFormat.Bgr24)),
            DeviceRequest.Parse(device), threads);

    public static IReadOnlyList<ClipFeatures> Load(FeatureStore store, IReadOnlyList<LabelledClip> clips, bool withFlips, string title,
        out FeatureLoadStatistics statistics)
    {
        IReadOnlyList<ClipFeatures>? result = null;
        FeatureLoadStatistics? loaded = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                result = store.Load(clips, withFlips, out var statistics, (done, total) =>
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
}
