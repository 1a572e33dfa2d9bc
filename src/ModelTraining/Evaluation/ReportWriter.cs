using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;
using StreamLrcn.Training.Training;

namespace StreamLrcn.Training.Evaluation;

/// <summary>Writes an evaluation as JSON and markdown, and the learning curves and confusion matrices as PNG plots (ScottPlot).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes <c>evaluation.json</c>, <c>evaluation.md</c>, <c>confusion-clips.png</c>, <c>confusion-windows.png</c> and, with a history, <c>training.json</c> and <c>curves.png</c>.</summary>
    public static IReadOnlyList<string> Write(string directory, EvaluationResult evaluation, IReadOnlyList<EpochRecord>? history = null,
        IReadOnlyDictionary<string, object>? trainingFacts = null)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        string Add(string name)
        {
            var path = Path.Combine(directory, name);
            files.Add(path);
            return path;
        }
        File.WriteAllText(Add("evaluation.json"), JsonSerializer.Serialize(evaluation, Json) + "\n");
        ConfusionPlot(evaluation.ClipConfusion, evaluation.Labels, $"Clips ({evaluation.Clips}): accuracy {evaluation.ClipAccuracy:P1}", Add("confusion-clips.png"));
        ConfusionPlot(evaluation.WindowConfusion, evaluation.Labels,
            $"Windows of {evaluation.Window} frames ({evaluation.Windows}): accuracy {evaluation.WindowAccuracy:P1}", Add("confusion-windows.png"));
        if (history is { Count: > 0 })
        {
            File.WriteAllText(Add("training.json"), JsonSerializer.Serialize(new { facts = trainingFacts, history }, Json) + "\n");
            CurvesPlot(history, Add("curves.png"));
        }
        File.WriteAllText(Add("evaluation.md"), Markdown(evaluation, history, trainingFacts));
        return files;
    }

    public static string Markdown(EvaluationResult e, IReadOnlyList<EpochRecord>? history, IReadOnlyDictionary<string, object>? facts)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(inv, $"# Evaluation of `{Path.GetFileName(e.Model)}`").AppendLine();
        s.AppendLine(inv, $"Data: {e.Data}; {e.Clips} clips; sampling `{e.Sampling}`, window {e.Window}, stride {e.Stride}.").AppendLine();
        if (facts is not null)
            foreach (var (key, value) in facts)
                s.AppendLine(inv, $"- {key}: {value}");
        s.AppendLine().AppendLine("| measure | accuracy |").AppendLine("| --- | --- |");
        s.AppendLine(inv, $"| clip | {e.ClipAccuracy:P1} ({e.Clips} clips) |");
        s.AppendLine(inv, $"| window (runtime sliding window) | {e.WindowAccuracy:P1} ({e.Windows} windows) |");
        s.AppendLine(inv, $"| per frame (stateful from clip start) | {e.FrameAccuracy:P1} |");
        if (e.FrameAveragingBaselineAccuracy is { } baseline)
            s.AppendLine(inv, $"| frame-averaging baseline (no time), clip | {baseline:P1} |");
        s.AppendLine();
        AppendConfusion(s, "Clip confusion matrix", e.ClipConfusion, e.Labels, e.ClipMetrics);
        AppendConfusion(s, "Window confusion matrix", e.WindowConfusion, e.Labels, e.WindowMetrics);
        s.AppendLine("## Clips").AppendLine().AppendLine("| clip | label | predicted | probabilities | windows correct | frames correct |").AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var c in e.PerClip)
            s.AppendLine(inv, $"| {c.Clip} | {c.Label} | {c.Predicted} | {string.Join(" / ", c.Probabilities.Select(p => p.ToString("F2", inv)))} | {c.WindowsCorrect}/{c.Windows} | {c.FramesCorrect}/{c.Frames} |");
        if (history is { Count: > 0 })
            s.AppendLine().AppendLine(inv, $"Trained {history.Count} epochs; curves in `curves.png`.");
        return s.ToString();
    }

    private static void AppendConfusion(StringBuilder s, string title, int[][] confusion, IReadOnlyList<string> labels, IReadOnlyList<ClassMetrics> metrics)
    {
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(inv, $"## {title}").AppendLine().AppendLine("rows: true label, columns: predicted").AppendLine();
        s.AppendLine("| true \\ predicted | " + string.Join(" | ", labels) + " | recall |");
        s.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" --- |", labels.Count + 1)));
        for (var i = 0; i < labels.Count; i++)
            s.AppendLine(inv, $"| {labels[i]} | {string.Join(" | ", confusion[i])} | {metrics[i].Recall:P0} |");
        s.AppendLine("| precision | " + string.Join(" | ", metrics.Select(m => m.Precision.ToString("P0", inv))) + " | |").AppendLine();
    }

    private static void CurvesPlot(IReadOnlyList<EpochRecord> history, string path)
    {
        var epochs = history.Select(h => (double)h.Epoch).ToArray();
        var plot = new Plot();
        var trainLoss = plot.Add.Scatter(epochs, history.Select(h => h.TrainLoss).ToArray());
        trainLoss.LegendText = "train loss";
        trainLoss.MarkerSize = 0;
        var trainAccuracy = plot.Add.Scatter(epochs, history.Select(h => h.TrainAccuracy).ToArray());
        trainAccuracy.LegendText = "train accuracy";
        trainAccuracy.MarkerSize = 0;
        if (history.All(h => h.ValidationLoss is not null))
        {
            var validationLoss = plot.Add.Scatter(epochs, history.Select(h => h.ValidationLoss!.Value).ToArray());
            validationLoss.LegendText = "validation loss";
            validationLoss.MarkerSize = 0;
            var validationAccuracy = plot.Add.Scatter(epochs, history.Select(h => h.ValidationAccuracy!.Value).ToArray());
            validationAccuracy.LegendText = "validation accuracy";
            validationAccuracy.MarkerSize = 0;
        }
        plot.Title("Learning curves");
        plot.XLabel("epoch");
        plot.YLabel("loss / accuracy");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 500);
    }

    private static void ConfusionPlot(int[][] confusion, IReadOnlyList<string> labels, string title, string path)
    {
        var n = labels.Count;
        var plot = new Plot();
        // Row-normalised colours, so a class with fewer samples is as readable as the others; the cells show counts.
        var intensities = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            var total = Math.Max(1, confusion[i].Sum());
            for (var j = 0; j < n; j++)
                intensities[i, j] = (double)confusion[i][j] / total;
        }
        var heatmap = plot.Add.Heatmap(intensities);
        // White for none of a row, dark blue for all of it (the inverse of ScottPlot's Blues).
        heatmap.Colormap = new ScottPlot.Colormaps.Custom([Colors.White, Color.FromHex("#9ecae1"), Color.FromHex("#3182bd"), Color.FromHex("#08306b")], true);
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        // ScottPlot draws row 0 of the intensities at the top, as the text below places it.
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var text = plot.Add.Text(confusion[i][j].ToString(CultureInfo.InvariantCulture), j, n - 1 - i);
                text.LabelFontSize = 22;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = intensities[i, j] > 0.5 ? Colors.White : Colors.Black;
            }
        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels.Reverse().ToArray());
        plot.Add.ColorBar(heatmap);
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true label");
        plot.SavePng(path, 800, 650);
    }
}
