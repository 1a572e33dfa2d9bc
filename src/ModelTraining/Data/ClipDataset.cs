using StreamLrcn.Capture;
using StreamLrcn.Temporal;

namespace StreamLrcn.Training.Data;

/// <summary>
/// A labelled clip collection on disk: <c>root/label/clip</c>, where a clip is a video file or a
/// folder of frames (time order = file-name order). Labels are the sub-folder names, in ordinal
/// order unless the caller fixes the order (the order of the head's outputs). An optional
/// <see cref="BackgroundFolder"/> holds clips of no gesture: they train a last class named
/// <see cref="LabelThresholds.NoneName"/>, which the runtime treats as no label.
/// </summary>
public sealed class ClipDataset
{
    private ClipDataset(string root, IReadOnlyList<string> labels, IReadOnlyList<LabelledClip> clips)
    {
        Root = root;
        Labels = labels;
        Clips = clips;
    }

    public string Root { get; }

    public IReadOnlyList<string> Labels { get; }

    public IReadOnlyList<LabelledClip> Clips { get; }

    /// <summary>The folder of a dataset whose clips show no gesture (the class <see cref="LabelThresholds.NoneName"/>).</summary>
    public const string BackgroundFolder = "_none";

    /// <summary>Scans <paramref name="root"/>; throws <see cref="DatasetException"/> for a missing root, an empty label or an unknown label.</summary>
    /// <param name="labelOrder">Labels in the order the head should emit them; null for ordinal order of the folder names.</param>
    /// <param name="background">A folder of clips of no gesture to use instead of <c>root/_none</c> (e.g. synthetic idle clips, <see cref="IdleClipWriter"/>); null: <c>root/_none</c> when it exists.</param>
    public static ClipDataset Scan(string root, IReadOnlyList<string>? labelOrder = null, string? background = null)
    {
        if (background is not null && !Directory.Exists(background))
            throw new DatasetException($"background folder '{background}' does not exist: expected a folder of clips of no gesture");
        background ??= Path.Combine(root, BackgroundFolder);
        if (Directory.Exists(root) && Directory.Exists(background))
        {
            // The background class comes last, whatever order the gestures are given in.
            if (labelOrder is not null && labelOrder.Contains(LabelThresholds.NoneName) && labelOrder[^1] != LabelThresholds.NoneName)
                throw new DatasetException($"labels {string.Join(",", labelOrder)}: expected '{LabelThresholds.NoneName}' (the {BackgroundFolder} clips) last");
            var gestures = ScanLabels(root, labelOrder?.Where(l => l != LabelThresholds.NoneName).ToArray(), BackgroundFolder);
            var found = ClipFiles.List(background);
            if (found.Length == 0)
                throw new DatasetException($"background folder '{background}' holds no clips: expected {ClipFiles.Expected}");
            var index = gestures.Labels.Count;
            return new ClipDataset(gestures.Root, [.. gestures.Labels, LabelThresholds.NoneName],
                [.. gestures.Clips, .. found.Select(path => new LabelledClip(LabelThresholds.NoneName, index, path))]) { Background = Path.GetFullPath(background) };
        }
        return ScanLabels(root, labelOrder, null);
    }

    /// <summary>The folder the clips of the class <see cref="LabelThresholds.NoneName"/> came from; null without a background class.</summary>
    public string? Background { get; private init; }

    private static ClipDataset ScanLabels(string root, IReadOnlyList<string>? labelOrder, string? skip)
    {
        if (!Directory.Exists(root))
            throw new DatasetException($"dataset folder '{root}' does not exist: expected a folder with one sub-folder per label");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.') && n != skip).Order(StringComparer.Ordinal).ToArray();
        if (folders.Length < 2)
            throw new DatasetException($"dataset folder '{root}' has {folders.Length} label folder(s): expected at least 2 (one sub-folder per label)");

        IReadOnlyList<string> labels = folders;
        if (labelOrder is { Count: > 0 })
        {
            var missing = labelOrder.Where(l => !folders.Contains(l, StringComparer.Ordinal)).ToArray();
            var extra = folders.Where(f => !labelOrder.Contains(f, StringComparer.Ordinal)).ToArray();
            if (missing.Length > 0 || extra.Length > 0 || labelOrder.Distinct(StringComparer.Ordinal).Count() != labelOrder.Count)
                throw new DatasetException(
                    $"labels {string.Join(",", labelOrder)}: expected each label folder of '{root}' exactly once, found folders {string.Join(",", folders)}");
            labels = labelOrder.ToArray();
        }

        var clips = new List<LabelledClip>();
        for (var i = 0; i < labels.Count; i++)
        {
            var folder = Path.Combine(root, labels[i]);
            var found = ClipFiles.List(folder);
            if (found.Length == 0)
                throw new DatasetException(
                    $"label folder '{folder}' holds no clips: expected {ClipFiles.Expected}");
            clips.AddRange(found.Select(path => new LabelledClip(labels[i], i, path)));
        }
        return new ClipDataset(Path.GetFullPath(root), labels, clips);
    }
}
