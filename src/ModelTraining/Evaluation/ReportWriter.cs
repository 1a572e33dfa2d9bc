using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Training;

namespace StreamLrcn.Training.Evaluation;

/// <summary>Writes an evaluation as JSON and markdown, and the learning curves and confusion matrices as PNG plots (ScottPlot).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// Writes <c>evaluation.json</c>, <c>evaluation.md</c>, <c>confusion-clips.png</c>, <c>confusion-windows.png</c> and, with a history,
    /// <c>training.json</c> and <c>curves.png</c> (the epoch training kept, <paramref name="keptEpoch"/>, marked).
    /// </summary>
    public static IReadOnlyList<string> Write(string directory, EvaluationResult evaluation, IReadOnlyList<EpochRecord>? history = null,
        IReadOnlyDictionary<string, object>? trainingFacts = null, int? keptEpoch = null)
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
            CurvesPlot(history, keptEpoch, evaluation, Add("curves.png"));
        }
        File.WriteAllText(Add("evaluation.md"), Markdown(evaluation, history, trainingFacts, keptEpoch));
        return files;
    }

    /// <summary>
    /// The console's one-line summary: every accuracy with its balanced accuracy and majority baseline, so a
    /// model that guesses one class reads as no better than the baseline.
    /// </summary>
    public static string Summary(EvaluationResult e) =>
        $"clip accuracy {e.ClipAccuracy:P1} ({e.Clips} clips; balanced {e.ClipBalancedAccuracy:P1}, majority baseline {e.ClipMajorityBaseline:P1}), " +
        $"window accuracy {e.WindowAccuracy:P1} ({e.Windows} windows; balanced {e.WindowBalancedAccuracy:P1}, majority baseline {e.WindowMajorityBaseline:P1}), " +
        $"per-frame accuracy {e.FrameAccuracy:P1} ({e.Frames} frames; balanced {e.FrameBalancedAccuracy:P1}, majority baseline {e.FrameMajorityBaseline:P1})" +
        (e.NoneFrames is { } none ? $"; labelled none (below the thresholds or the background class): {none} of {e.Frames} frames, {e.NoneWindows} of {e.Windows} windows" +
            NoneOfGestures(e) + " (accuracies are of the most probable label)" : "");

    /// <summary>With a background class: how many of the gesture clips' frames and windows are labelled none.</summary>
    private static string NoneOfGestures(EvaluationResult e)
    {
        var gestures = e.PerClip.Where(c => c.Label != LabelThresholds.NoneName).ToArray();
        if (gestures.Length == e.PerClip.Count || gestures.Length == 0)
            return "";
        return $", of the gesture clips' {gestures.Sum(c => c.Frames)} frames {gestures.Sum(c => c.NoneFrames ?? 0)} and of their {gestures.Sum(c => c.Windows)} windows {gestures.Sum(c => c.NoneWindows ?? 0)}";
    }

    /// <summary>
    /// One sentence for every measure whose accuracy is not above its majority baseline (a model that predicts
    /// one class for everything gets exactly the baseline), or that scored one class only, where accuracy cannot
    /// show whether classes are told apart. Empty when every measure beats its baseline.
    /// </summary>
    public static IReadOnlyList<string> BaselineWarnings(EvaluationResult e)
    {
        var warnings = new List<string>();
        void Check(string measure, string units, double accuracy, double baseline, int[][] confusion)
        {
            var present = confusion.Select((row, i) => (Support: row.Sum(), Label: e.Labels[i])).Where(r => r.Support > 0).ToArray();
            if (present.Length == 0)
                return;
            if (present.Length == 1)
                warnings.Add($"{measure} accuracy cannot show whether the model tells the classes apart: every scored {units} is {present[0].Label}");
            else if (accuracy <= baseline)
                warnings.Add($"{measure} accuracy {(accuracy == baseline ? "equals" : "is below")} the majority baseline: the model has not learned to tell the classes apart");
        }
        Check("clip", "clip", e.ClipAccuracy, e.ClipMajorityBaseline, e.ClipConfusion);
        Check("window", "window", e.WindowAccuracy, e.WindowMajorityBaseline, e.WindowConfusion);
        Check("per-frame", "frame", e.FrameAccuracy, e.FrameMajorityBaseline, e.FrameConfusion);
        return warnings;
    }

    /// <summary>
    /// What the learning curves' validation accuracy counts: <see cref="Trainer.ValidationSamples"/> scores every
    /// runtime window of a clip under window sampling and one sequence per clip otherwise.
    /// </summary>
    public static string ValidationAccuracyName(string sampling) =>
        sampling == "window" ? "validation window accuracy" : "validation clip accuracy";

    public static string Markdown(EvaluationResult e, IReadOnlyList<EpochRecord>? history, IReadOnlyDictionary<string, object>? facts, int? keptEpoch = null)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(inv, $"# Evaluation of `{Path.GetFileName(e.Model)}`").AppendLine();
        s.AppendLine(inv, $"Data: {e.Data}; {e.Clips} clips; sampling `{e.Sampling}`, window {e.Window}, stride {e.Stride}.").AppendLine();
        if (facts is not null)
            foreach (var (key, value) in facts)
                s.AppendLine(inv, $"- {key}: {value}");
        s.AppendLine().AppendLine("| measure | accuracy | balanced accuracy | majority baseline |").AppendLine("| --- | --- | --- | --- |");
        s.AppendLine(inv, $"| clip | {e.ClipAccuracy:P1} ({e.Clips} clips) | {e.ClipBalancedAccuracy:P1} | {Baseline(e.ClipMajorityBaseline, e.ClipConfusion, e.Labels)} |");
        s.AppendLine(inv, $"| window (runtime sliding window) | {e.WindowAccuracy:P1} ({e.Windows} windows) | {e.WindowBalancedAccuracy:P1} | {Baseline(e.WindowMajorityBaseline, e.WindowConfusion, e.Labels)} |");
        s.AppendLine(inv, $"| per frame (stateful from clip start) | {e.FrameAccuracy:P1} ({e.Frames} frames) | {e.FrameBalancedAccuracy:P1} | {Baseline(e.FrameMajorityBaseline, e.FrameConfusion, e.Labels)} |");
        if (e.FrameAveragingBaselineAccuracy is { } baseline)
            s.AppendLine(inv, $"| frame-averaging baseline (no time), clip | {baseline:P1} | | |");
        s.AppendLine().AppendLine("Balanced accuracy is the mean recall over the classes present (a constant guess scores 1 / classes); " +
            "the majority baseline is the accuracy of always predicting the most frequent true label.").AppendLine();
        foreach (var warning in BaselineWarnings(e))
            s.AppendLine(inv, $"**Warning:** {warning}.").AppendLine();
        AppendConfusion(s, "Clip confusion matrix", e.ClipConfusion, e.Labels, e.ClipMetrics);
        AppendConfusion(s, "Window confusion matrix", e.WindowConfusion, e.Labels, e.WindowMetrics);
        AppendConfusion(s, "Per-frame confusion matrix", e.FrameConfusion, e.Labels, e.FrameMetrics);
        var none = e.NoneFrames is not null;
        s.AppendLine("## Clips").AppendLine().AppendLine("| clip | label | predicted | probabilities | windows correct | frames correct |" + (none ? " windows none | frames none |" : ""))
            .AppendLine("| --- | --- | --- | --- | --- | --- |" + (none ? " --- | --- |" : ""));
        foreach (var c in e.PerClip)
            s.Append(inv, $"| {c.Clip} | {c.Label} | {c.Predicted} | {string.Join(" / ", c.Probabilities.Select(p => p.ToString("F2", inv)))} | {c.WindowsCorrect}/{c.Windows} | {c.FramesCorrect}/{c.Frames} |")
                .AppendLine(none ? $" {c.NoneWindows}/{c.Windows} | {c.NoneFrames}/{c.Frames} |" : "");
        if (history is { Count: > 0 } && keptEpoch is { } kept)
            s.AppendLine().AppendLine(inv, $"Trained {history.Count} epochs, kept epoch {kept} (best {ValidationAccuracyName(e.Sampling)}); curves in `curves.png`.");
        else if (history is { Count: > 0 })
            s.AppendLine().AppendLine(inv, $"Trained {history.Count} epochs; curves in `curves.png`.");
        return s.ToString();
    }

    private static string Baseline(double baseline, int[][] confusion, IReadOnlyList<string> labels) =>
        confusion.Sum(r => r.Sum()) == 0
            ? "-"
            : string.Create(CultureInfo.InvariantCulture, $"{baseline:P1} (always {labels[Evaluator.MajorityClass(confusion)]})");

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

    /// <summary>Loss above, accuracy below (each on its own axis), the kept epoch marked in both, the validation majority baseline in the accuracy plot.</summary>
    private static void CurvesPlot(IReadOnlyList<EpochRecord> history, int? keptEpoch, EvaluationResult evaluation, string path)
    {
        var epochs = history.Select(h => (double)h.Epoch).ToArray();
        var validated = history.All(h => h.ValidationLoss is not null);
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var loss = multiplot.GetPlot(0);
        var accuracy = multiplot.GetPlot(1);
        Curve(loss, epochs, history.Select(h => h.TrainLoss), "train loss");
        Curve(accuracy, epochs, history.Select(h => h.TrainAccuracy), "train accuracy (training sequences, dropout on)");
        if (validated)
        {
            Curve(loss, epochs, history.Select(h => h.ValidationLoss!.Value), "validation loss");
            var validationAccuracy = ValidationAccuracyName(evaluation.Sampling);
            Curve(accuracy, epochs, history.Select(h => h.ValidationAccuracy!.Value), validationAccuracy);
            var baseline = accuracy.Add.HorizontalLine(evaluation.Sampling == "window" ? evaluation.WindowMajorityBaseline : evaluation.ClipMajorityBaseline,
                1.5f, Colors.Gray, LinePattern.Dashed);
            baseline.LegendText = "majority baseline of the validation set";
        }
        if (keptEpoch is { } kept)
            foreach (var plot in new[] { loss, accuracy })
            {
                var line = plot.Add.VerticalLine(kept, 1.5f, Colors.Black, LinePattern.Dotted);
                line.LegendText = $"kept epoch {kept}";
            }
        loss.Title("Loss per epoch");
        loss.XLabel("epoch");
        loss.YLabel("cross-entropy loss");
        loss.ShowLegend(Alignment.UpperRight);
        accuracy.Title("Accuracy per epoch");
        accuracy.XLabel("epoch");
        accuracy.YLabel("accuracy");
        accuracy.Axes.SetLimitsY(0, 1.05);
        accuracy.ShowLegend(Alignment.LowerRight);
        // Equal left axis widths, so both plots' epochs (and kept-epoch lines) line up.
        loss.Axes.Left.MinimumSize = accuracy.Axes.Left.MinimumSize = 70;
        loss.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        accuracy.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        multiplot.SharedAxes.ShareX([loss, accuracy]);
        multiplot.SavePng(path, 900, 900);
    }

    private static void Curve(Plot plot, double[] epochs, IEnumerable<double> values, string legend)
    {
        var scatter = plot.Add.Scatter(epochs, values.ToArray());
        scatter.LegendText = legend;
        scatter.MarkerSize = 0;
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
