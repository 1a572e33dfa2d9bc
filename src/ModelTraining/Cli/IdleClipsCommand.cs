using System.CommandLine;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Cli;

/// <summary><c>idle-clips</c>: writes synthetic clips of no gesture (<see cref="IdleClipWriter"/>) for a background class.</summary>
public static class IdleClipsCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Dataset folder (one sub-folder per label); the first frame of each clip of --from is held." };
        var output = new Option<string>("--out", "-o") { Description = "Folder to write the clips to (then: train DATA --background FOLDER).", Required = true };
        var from = new Option<string?>("--from") { Description = "Comma-separated labels whose clips give the frames [default: every label]." };
        var kinds = new Option<string>("--kinds")
        {
            Description = "Comma-separated kinds, one clip of each per source clip: still (the frame held), noise (sensor noise), flicker (noise and a brightness swing), shake (noise and a slow drift of the whole frame).",
            DefaultValueFactory = _ => string.Join(",", IdleClipOptions.AllKinds).ToLowerInvariant(),
        };
        var defaults = new IdleClipOptions(IdleClipOptions.AllKinds);
        var frames = new Option<int>("--frames") { Description = "Frames per clip, at the source clip's frame rate.", DefaultValueFactory = _ => defaults.Frames };
        var seed = new Option<int>("--seed") { Description = "Seed of the noise and the phases (the same seed writes the same files).", DefaultValueFactory = _ => defaults.Seed };
        var noise = new Option<double>("--noise") { Description = "Standard deviation of the sensor noise in 8-bit levels.", DefaultValueFactory = _ => defaults.NoiseSigma };
        var command = new Command("idle-clips",
            "Write synthetic clips of no gesture made from real frames, for a background class when no recording of an idle scene is at hand: " +
            "the first frame of each clip held still, with sensor noise, with a brightness flicker, or with a slow camera drift. They show a still " +
            "scene as this camera would, not people moving without a gesture.\n\n" +
            "Example:\n" +
            "  ModelTraining idle-clips ../shared/data/arm-gestures --out out/idle --from wave\n" +
            "  ModelTraining train ../shared/data/arm-gestures --background out/idle --out models/mine ...")
        {
            data, output, from, kinds, frames, seed, noise,
        };
        command.SetAction(result =>
        {
            try
            {
                var options = new IdleClipOptions(ParseKinds(result.GetValue(kinds)!), result.GetValue(frames), result.GetValue(seed), result.GetValue(noise));
                options.Validate();
                var dataset = ClipDataset.Scan(result.GetValue(data)!);
                var labels = TrainCommand.SplitLabels(result.GetValue(from));
                if (labels?.FirstOrDefault(l => !dataset.Labels.Contains(l)) is { } unknown)
                    throw new DatasetException($"--from '{unknown}': expected one of the dataset's labels {string.Join(", ", dataset.Labels)}");
                var sources = dataset.Clips.Where(c => c.Label != Temporal.LabelThresholds.NoneName && (labels is null || labels.Contains(c.Label))).ToArray();
                var written = IdleClipWriter.Write(sources, result.GetValue(output)!, options);
                Console.WriteLine($"{written.Count} clips written to {result.GetValue(output)}: {options.Describe()}");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is ArgumentException or DatasetException or FormatException)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.InvalidSetup;
            }
            catch (Exception ex) when (ex is FrameSourceException or IOException)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    internal static IReadOnlyList<IdleKind> ParseKinds(string text) =>
        TrainCommand.SplitLabels(text)!.Select(k => Enum.TryParse<IdleKind>(k, ignoreCase: true, out var kind) && !int.TryParse(k, out _) ? kind
            : throw new FormatException($"--kinds expected {string.Join(", ", IdleClipOptions.AllKinds).ToLowerInvariant()}, found '{k}'")).Distinct().ToArray();
}
