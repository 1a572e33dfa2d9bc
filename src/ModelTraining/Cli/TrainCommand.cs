using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Cli;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Training.Data;
using StreamLrcn.Training.Evaluation;
using StreamLrcn.Training.Export;
using StreamLrcn.Training.Features;
using StreamLrcn.Training.Training;
using StreamLrcn.Calibration;

namespace StreamLrcn.Training.Cli;

/// <summary><c>train</c>: features (cached), training, export with the parity check, evaluation report.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainingOptions();
        var data = new Argument<string>("data") { Description = "Dataset folder: one sub-folder per label, holding video files or folders of frames (time order = file-name order); clips in _none/ train a last class 'none' (no gesture)." };
        var background = new Option<string?>("--background") { Description = "Folder of clips of no gesture that train the last class 'none', instead of DATA/_none (e.g. written by idle-clips); split by --train/--val like every clip." };
        var output = new Option<string>("--out", "-o") { Description = "Model package folder to write (manifest.json + head.onnx), e.g. models/default.", Required = true };
        var report = new Option<string?>("--report") { Description = "Folder for the evaluation report, plots and the best checkpoint [default: out/reports/<model name>]." };
        var name = new Option<string?>("--name") { Description = "Model name in the manifest [default: the output folder's name]." };
        var labels = new Option<string?>("--labels") { Description = "Comma-separated labels in the order the head emits them [default: label folders in name order]." };
        var train = new Option<string?>("--train") { Description = "Train on clips whose file name matches these globs (comma-separated, e.g. 'p1_*'). Without it, a seeded fraction split is used." };
        var validation = new Option<string?>("--val") { Description = "Validate (early stopping, best checkpoint, report) on clips matching these globs, e.g. 'p2_*'." };
        var fraction = new Option<double>("--val-fraction") { Description = "Without --train: fraction of each label's clips held out for validation (0: none).", DefaultValueFactory = _ => 0.25 };
        var sampling = new Option<SamplingMode>("--sampling") { Description = "even: WINDOW frames spread over the whole clip (fixed length); window: WINDOW consecutive frames, as the runtime's sliding window; whole: entire clips, length-bucketed and masked (variable length).", DefaultValueFactory = _ => defaults.Sampling }.LowercaseChoices();
        var length = new Option<int>("--window") { Description = "Frames per fixed-length training sequence, and the runtime's sliding-window length written to the manifest (the runtime's --window).", DefaultValueFactory = _ => defaults.Length };
        var stride = new Option<int>("--stride") { Description = "Runtime window stride written to the manifest.", DefaultValueFactory = _ => defaults.Stride };
        var hidden = new Option<int>("--hidden") { Description = "GRU hidden size.", DefaultValueFactory = _ => defaults.HiddenSize };
        var layers = new Option<int>("--layers") { Description = "Stacked GRU layers.", DefaultValueFactory = _ => defaults.Layers };
        var dropout = new Option<double>("--dropout") { Description = "Dropout on the CNN features, between GRU layers and before the classifier.", DefaultValueFactory = _ => defaults.Dropout };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "sgd (with momentum) or adam.", DefaultValueFactory = _ => defaults.Optimizer }.LowercaseChoices();
        var rate = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => defaults.Momentum };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay (0: none).", DefaultValueFactory = _ => defaults.WeightDecay };
        var clipNorm = new Option<double>("--clip-norm") { Description = "Gradient clipping: largest total gradient norm.", DefaultValueFactory = _ => defaults.ClipNorm };
        var clipValue = new Option<double>("--clip-value") { Description = "Gradient clipping: largest absolute gradient value.", DefaultValueFactory = _ => defaults.ClipValue };
        var batch = new Option<int>("--train-batch") { Description = "Sequences per training step (not the runtime's CNN --batch).", DefaultValueFactory = _ => defaults.BatchSize };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs to train.", DefaultValueFactory = _ => defaults.Epochs };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without better validation accuracy (0: never).", DefaultValueFactory = _ => defaults.Patience };
        var frameLoss = new Option<double>("--frame-loss-weight") { Description = "Weight of the per-frame loss next to the clip (last step) loss.", DefaultValueFactory = _ => defaults.FrameLossWeight };
        var samples = new Option<int>("--samples-per-clip") { Description = "Sequences drawn per clip and epoch (0: 1, or clip length / WINDOW for window sampling).", DefaultValueFactory = _ => 0 };
        var noFlip = new Option<bool>("--no-flip") { Description = "Do not add horizontally mirrored clips to the training set." };
        var noJitter = new Option<bool>("--no-jitter") { Description = "Sample training sequences without random temporal offsets." };
        var seed = new Option<int>("--seed") { Description = "Seed for weights, sampling, shuffling and the fraction split.", DefaultValueFactory = _ => defaults.Seed };
        var cache = new Option<string?>("--cache") { Description = "Feature cache folder [default: $STREAMLRCN_CACHE/features or ~/.cache/streamlrcn/features]." };
        var device = new Option<string>("--device") { Description = "Where the CNN runs while extracting features: auto, cpu, cuda or cuda:ID.", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--cnn-threads") { Description = "CPU threads of the CNN while extracting features (0: all cores).", DefaultValueFactory = _ => 0 };
        var precision = new Option<string>("--precision")
        {
            Description = "CNN of the features the head trains on: fp32, or int8 (ranges measured on the training clips first; the package then runs int8 on CPUs).",
            DefaultValueFactory = _ => "fp32",
        };
        precision.AcceptOnlyFromAmong("fp32", "int8");
        var force = new Option<bool>("--force") { Description = "Replace a model package that is already in the --out folder." };
        var noCalibration = new Option<bool>("--no-calibration") { Description = $"Do not calibrate the int8 CNN for the package (no {CnnCalibration.FileName}: CPUs run float32)." };
        var streams = new Option<string>("--streams")
        {
            Description = "CNN inputs of the head per frame, comma-separated, in feature order: rgb (the frame), difference (2·|frame − earlier frame|, the motion stream), or both.",
            DefaultValueFactory = _ => CnnStreams.Rgb,
        };
        var differenceSteps = new Option<string>("--difference-steps")
        {
            Description = "With the difference stream: frame steps of the difference images the head trains on, comma-separated; the first is the package's step, " +
                "the others add training sequences (1,2: the head also sees the motion of half the frame rate).",
            DefaultValueFactory = _ => "1,2",
        };
        var differenceScale = new Option<double>("--difference-scale") { Description = "With the difference stream: gain on the absolute difference before it saturates at 255.", DefaultValueFactory = _ => 2 };
        var noneRecall = new Option<double>("--none-recall")
        {
            Description = "Give the package per-label thresholds chosen on the validation clips, below which a frame is labelled 'none': each gesture's threshold keeps this share " +
                "of its validation frames (e.g. 0.95; a background class 'none' gets 0, it may always win); 0: no thresholds, every frame gets its most probable label.",
            DefaultValueFactory = _ => 0,
        };
        var differenceFrames = new Option<bool>("--difference-frames")
        {
            Description = "With the difference stream: write the step as a count of frames at any frame rate, as packages before did, instead of as a time (the step at the training clips' frame rate).",
        };
        var features = new Option<string>("--features")
        {
            Description = "What the CNN gives the head per row: pooled (512, the global average of ResNet18's last 7x7 map), grid2 (2048, the map averaged over 2x2 cells) " +
                "or flatten (25088, the whole map, with a dense layer before the GRU). Measured on arm-gestures, see README \"CNN feature options\".",
            DefaultValueFactory = _ => CnnFeatureNames.Pooled,
        };
        features.AcceptOnlyFromAmong([.. CnnFeatureNames.All]);
        var dense = new Option<int?>("--dense") { Description = "Units of a dense layer (ReLU, dropout) between the CNN features and the GRU; 0: none [default: 256 with --features flatten, else 0]." };
        var torchThreads = new Option<int>("--torch-threads") { Description = "CPU threads for training the head (TorchSharp).", DefaultValueFactory = _ => defaults.TorchThreads };

        var command = new Command("train",
            "Train the GRU head on a labelled dataset and write a model package. CNN features are extracted once per clip and cached; " +
            "the exported head is checked against the trained one in ONNX Runtime before the package is kept; an evaluation report " +
            "(JSON, markdown, plots) of the validation clips is written.\n\n" +
            "Examples:\n" +
            "  ModelTraining train ../shared/data/arm-gestures --out models/p1 --train 'p1_*' --val 'p2_*'   (train on person 1, validate on person 2)\n" +
            "  ModelTraining train my-clips --out models/mine --val-fraction 0.2 --seed 7                      (hold out 20 % of each label)")
        {
            data, output, report, name, labels, train, validation, fraction, sampling, length, stride, hidden, layers, dropout, optimizer, rate,
            momentum, weightDecay, clipNorm, clipValue, batch, epochs, patience, frameLoss, samples, noFlip, noJitter, seed, cache, device, threads, precision, noCalibration, force, torchThreads,
            streams, differenceSteps, differenceScale, noneRecall, differenceFrames, background, features, dense,
        };
        command.SetAction(result =>
        {
            CnnFeatureNames.TryParse(result.GetValue(features), out var cnnFeatures);
            var options = new TrainingOptions
            {
                Sampling = result.GetValue(sampling), Length = result.GetValue(length), Stride = result.GetValue(stride),
                HiddenSize = result.GetValue(hidden), Layers = result.GetValue(layers), Dropout = result.GetValue(dropout),
                Optimizer = result.GetValue(optimizer), LearningRate = result.GetValue(rate), Momentum = result.GetValue(momentum), WeightDecay = result.GetValue(weightDecay),
                ClipNorm = result.GetValue(clipNorm), ClipValue = result.GetValue(clipValue), BatchSize = result.GetValue(batch),
                Epochs = result.GetValue(epochs), Patience = result.GetValue(patience), FrameLossWeight = result.GetValue(frameLoss),
                SamplesPerClip = result.GetValue(samples), Flip = !result.GetValue(noFlip), Jitter = !result.GetValue(noJitter),
                Seed = result.GetValue(seed), TorchThreads = result.GetValue(torchThreads),
                DenseSize = result.GetValue(dense) ?? (cnnFeatures == CnnFeatures.Flatten ? DefaultFlattenDense : 0),
            };
            var outDirectory = result.GetValue(output)!;
            var modelName = result.GetValue(name) ?? Path.GetFileName(Path.GetFullPath(outDirectory).TrimEnd(Path.DirectorySeparatorChar));
            var request = new TrainRequest(result.GetValue(data)!, outDirectory, result.GetValue(report) ?? Path.Combine("out", "reports", modelName),
                modelName, SplitLabels(result.GetValue(labels)), result.GetValue(train), result.GetValue(validation), result.GetValue(fraction),
                result.GetValue(cache), result.GetValue(device)!, result.GetValue(threads), options)
            {
                Int8Features = result.GetValue(precision) == "int8",
                Calibrate = !result.GetValue(noCalibration),
                Force = result.GetValue(force),
                StreamNames = SplitLabels(result.GetValue(streams)) ?? [],
                DifferenceSteps = result.GetValue(differenceSteps)!,
                DifferenceScale = result.GetValue(differenceScale),
                NoneRecall = result.GetValue(noneRecall),
                DifferenceInFrames = result.GetValue(differenceFrames),
                Background = result.GetValue(background),
                Features = cnnFeatures,
            };
            return Run(request);
        });
        return command;
    }

    /// <summary>The seed recipe's Dense after Flatten.</summary>
    public const int DefaultFlattenDense = 256;

    internal static IReadOnlyList<string>? SplitLabels(string? text) =>
        text?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>What <c>train</c> was asked to do.</summary>
    internal sealed record TrainRequest(string Data, string Output, string Report, string Name, IReadOnlyList<string>? Labels,
        string? TrainPattern, string? ValidationPattern, double ValidationFraction, string? Cache, string Device, int Threads, TrainingOptions Options)
    {
        /// <summary>Train on features of the int8 CNN (its ranges measured on the training clips first).</summary>
        public bool Int8Features { get; init; }

        /// <summary>Calibrate the int8 CNN for the package and check it through the trained head.</summary>
        public bool Calibrate { get; init; } = true;

        /// <summary>Replace a package already in <see cref="Output"/>.</summary>
        public bool Force { get; init; }

        /// <summary>The head's CNN inputs (<see cref="CnnStreams"/> names).</summary>
        public IReadOnlyList<string> StreamNames { get; init; } = [CnnStreams.Rgb];

        /// <summary>Comma-separated difference steps to train on; the first is the package's.</summary>
        public string DifferenceSteps { get; init; } = "1,2";

        public double DifferenceScale { get; init; } = 2;

        /// <summary>What the CNN gives per row (<see cref="CnnFeatures"/>).</summary>
        public CnnFeatures Features { get; init; } = CnnFeatures.Pooled;

        /// <summary>Above 0: choose per-label "none" thresholds on the validation clips keeping this share of each label's frames.</summary>
        public double NoneRecall { get; init; }

        /// <summary>Write the difference step as frames at any rate (packages before the step was a time) instead of with the training clips' frame rate.</summary>
        public bool DifferenceInFrames { get; init; }

        /// <summary>Clips of no gesture for the class "none", instead of <c>Data/_none</c>.</summary>
        public string? Background { get; init; }

        /// <summary>The streams of the package and, after them, those whose features only add training sequences.</summary>
        public IReadOnlyList<CnnStreams> TrainingStreams()
        {
            if (!StreamNames.Contains(CnnStreams.DifferenceStream))
                return [CnnStreams.Create(StreamNames)];
            var steps = DifferenceSteps.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => int.TryParse(t, System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step
                    : throw new FormatException($"--difference-steps expected whole numbers like 1,2, found '{t}'"))
                .Distinct().ToArray();
            if (steps.Length == 0)
                throw new FormatException($"--difference-steps expected at least one step, found '{DifferenceSteps}'");
            return steps.Select(step => CnnStreams.Create(StreamNames, new DifferenceSpec { Step = step, Scale = DifferenceScale })).ToArray();
        }
    }

    internal static int Run(TrainRequest request)
    {
        var stopwatch = Stopwatch.StartNew();
        var options = request.Options;
        ClipDataset dataset;
        DatasetSplit split;
        FeatureStore store;
        CnnCalibration? ranges = null;
        IReadOnlyList<CnnStreams> streams;
        CnnStreams packageStreams;
        try
        {
            streams = request.TrainingStreams();
            if (ModelPackage.ExistsIn(request.Output) && !request.Force)
                throw new ArgumentException($"{request.Output} already holds a model package ({ModelPackage.ManifestFileName}): " +
                    "expected an empty or new folder; add --force to replace it");
            options.Validate();
            if (request.NoneRecall is < 0 or > 1)
                throw new ArgumentException($"--none-recall expected 0 (off) or a share above 0 up to 1, found {request.NoneRecall.ToString(CultureInfo.InvariantCulture)}");
            dataset = ClipDataset.Scan(request.Data, request.Labels, request.Background);
            split = request.TrainPattern is { } trainPattern
                ? SplitSelector.ByPattern(dataset, new ClipPattern(trainPattern), request.ValidationPattern is { } v ? new ClipPattern(v) : null)
                : request.ValidationFraction > 0
                    ? SplitSelector.ByFraction(dataset, request.ValidationFraction, options.Seed)
                    : SplitSelector.ByPattern(dataset, new ClipPattern("*"), null);
            packageStreams = request.DifferenceInFrames || streams[0].Difference is not { } difference
                ? streams[0]
                : CnnStreams.Create(streams[0].Names, difference with { FramesPerSecond = TrainingFrameRate(split.Train) });
            if (request.Int8Features)
                ranges = MeasureRanges(split.Train, request.Threads, streams[0]);
            store = FeatureLoading.CreateStore(request.Cache, request.Device, request.Threads, ranges, request.Features);
        }
        catch (Exception ex) when (ex is DatasetException or ArgumentException or FormatException or ModelPackageException or DeviceUnavailableException)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.InvalidSetup;
        }
        catch (FrameSourceException ex)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.Failed;
        }
        Log.Information("Dataset {Root}: labels {Labels}; {Split}: {Train} training clips, {Validation} validation clips",
            dataset.Root, dataset.Labels, split.Description, split.Train.Count, split.Validation.Count);
        if (split.Validation.Count == 0 && request.NoneRecall > 0)
        {
            Log.Error("--none-recall chooses thresholds on validation clips, and {Split} has none: add --val PATTERN or --val-fraction F", split.Description);
            return ExitCodes.InvalidSetup;
        }
        if (split.Validation.Count == 0)
            Log.Warning("No validation set ({Split}): no early stopping (all {Epochs} epochs run, the last one is kept) and no evaluation report " +
                "scored on held-out clips; hold clips out with --val PATTERN (beside --train) or --val-fraction F (without --train)",
                split.Description, options.Epochs);

        IReadOnlyList<ClipFeatures> trainFeatures, validationFeatures;
        FeatureLoadStatistics trainStatistics;
        var validationStatistics = new FeatureLoadStatistics(0, 0, 0, TimeSpan.Zero);
        try
        {
            trainFeatures = FeatureLoading.Load(store, split.Train, options.Flip, streams[0], "train", out trainStatistics);
            // More difference steps: the same clips again, each step's sequences added to the training set.
            foreach (var more in streams.Skip(1))
            {
                trainFeatures = [.. trainFeatures, .. FeatureLoading.Load(store, split.Train, options.Flip, more, $"train ({more.Describe()})", out var moreStatistics)];
                trainStatistics = new FeatureLoadStatistics(trainStatistics.CacheHits + moreStatistics.CacheHits, trainStatistics.Extracted + moreStatistics.Extracted,
                    trainStatistics.FramesExtracted + moreStatistics.FramesExtracted, trainStatistics.Elapsed + moreStatistics.Elapsed);
            }
            validationFeatures = split.Validation.Count > 0
                ? FeatureLoading.Load(store, split.Validation, false, streams[0], "validation", out validationStatistics)
                : [];
        }
        catch (FrameSourceException ex)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.Failed;
        }
        var featureTime = trainStatistics.Elapsed + validationStatistics.Elapsed;

        var trainer = new Trainer(options, dataset.Labels.Count);
        var training = trainer.Train(trainFeatures, validationFeatures, record =>
        {
            if (record.Epoch % 25 == 0 || record.Epoch == 1)
                Log.Information("Epoch {Epoch}: train loss {Loss:F3}, accuracy {Accuracy:P0}; validation loss {ValidationLoss:F3}, accuracy {ValidationAccuracy:P0}",
                    record.Epoch, record.TrainLoss, record.TrainAccuracy, record.ValidationLoss, record.ValidationAccuracy);
        });
        using var model = training.Model;

        var facts = new Dictionary<string, object>
        {
            ["data"] = request.Data,
            ["split"] = split.Description,
            ["trainClips"] = split.Train.Count,
            ["validationClips"] = split.Validation.Count,
            ["sampling"] = options.Sampling.ToString().ToLowerInvariant(),
            ["flip"] = options.Flip,
            ["jitter"] = options.Jitter,
            ["optimizer"] = $"{options.Optimizer.ToString().ToLowerInvariant()} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}" +
                (options.Optimizer == OptimizerKind.Sgd ? $" momentum {options.Momentum.ToString(CultureInfo.InvariantCulture)}" : ""),
            ["dropout"] = options.Dropout,
            ["weightDecay"] = options.WeightDecay,
            ["hidden"] = options.HiddenSize,
            ["seed"] = options.Seed,
            ["streams"] = packageStreams.Describe(),
            ["features"] = CnnFeatureNames.Name(request.Features),
            ["dense"] = options.DenseSize,
            ["epochs"] = training.History.Count,
            ["bestEpoch"] = training.BestEpoch,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        if (streams.Count > 1)
            facts["differenceSteps"] = string.Join(",", streams.Select(s => s.Difference!.Step));
        if (dataset.Background is { } backgroundFolder)
        {
            // The folder as the user named it (a relative path stays relative), and what the clips are when idle-clips wrote them.
            var named = request.Background ?? Path.Combine(request.Data, ClipDataset.BackgroundFolder);
            facts["background"] = IdleClipWriter.DescriptionIn(backgroundFolder) is { } idle ? $"{named}: {idle}" : named;
        }
        var realSequences = (validationFeatures.Count > 0 ? validationFeatures : trainFeatures)
            .Where(c => !c.Flipped).Take(3).Select(c => c.Values).ToArray();

        ModelPackage package;
        ParityReport parity;
        EvaluationResult? evaluation = null;
        ThresholdSelector.Result? none = null;
        try
        {
            (package, parity) = HeadExporter.Export(model, Manifest(request, dataset, facts, packageStreams), request.Output, realSequences);
            if (validationFeatures.Count > 0)
            {
                evaluation = Evaluator.Evaluate(package, validationFeatures, options.Sampling, $"{request.Data} ({split.Description}; scored on validation)")
                    with { FrameAveragingBaselineAccuracy = FrameAveragingBaseline.TrainAndScore(trainFeatures, validationFeatures, dataset.Labels.Count, options.Seed) };
                facts["validationClipAccuracy"] = Math.Round(evaluation.ClipAccuracy, 4);
                facts["validationClipBalancedAccuracy"] = Math.Round(evaluation.ClipBalancedAccuracy, 4);
                facts["validationClipMajorityBaseline"] = Math.Round(evaluation.ClipMajorityBaseline, 4);
                facts["validationWindowAccuracy"] = Math.Round(evaluation.WindowAccuracy, 4);
                facts["validationFrameAccuracy"] = Math.Round(evaluation.FrameAccuracy, 4);
            }
            if (request.NoneRecall > 0)
            {
                none = ThresholdSelector.Choose(package, validationFeatures, request.NoneRecall);
                facts["noneRecall"] = request.NoneRecall;
                facts["validationNoneFrames"] = none.NoneFrames;
                facts["validationGestureFrames"] = none.Frames;
            }
            facts["exportMaxAbsDifference"] = parity.MaxDifference;
            // Written again so the manifest carries the accuracy measured on the package itself.
            (package, parity) = HeadExporter.Export(model, Manifest(request, dataset, facts, packageStreams) with { Thresholds = none?.Thresholds }, request.Output, realSequences);
            // The report then also counts what the thresholds label none (the accuracies, of the most probable label, are the same).
            if (none is not null && evaluation is not null)
                evaluation = Evaluator.Evaluate(package, validationFeatures, options.Sampling, evaluation.Data)
                    with { FrameAveragingBaselineAccuracy = evaluation.FrameAveragingBaselineAccuracy };
        }
        catch (ExportParityException ex)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.Failed;
        }

        CnnCalibration? calibration = null;
        if (request.Calibrate)
        {
            try
            {
                calibration = CalibrateInt8(package, ranges ?? MeasureRanges(split.Train, request.Threads, streams[0]),
                    (split.Validation.Count > 0 ? split.Validation : split.Train).Select(c => c.Path).ToArray(), request.Threads);
            }
            catch (FrameSourceException ex)
            {
                Log.Error("{Message}", ex.Message);
                return ExitCodes.Failed;
            }
        }

        Directory.CreateDirectory(request.Report);
        model.save(Path.Combine(request.Report, "checkpoint.dat"));
        if (evaluation is not null)
        {
            var files = ReportWriter.Write(request.Report, evaluation, training.History, facts, training.BestEpoch);
            Log.Information("Report written: {Files}", files);
        }

        Console.WriteLine($"model: {package.Directory} ({package.Labels.Count} labels: {string.Join(", ", package.Labels)}; window {package.Manifest.Window}, stride {package.Manifest.Stride})");
        Console.WriteLine($"features: {trainStatistics.CacheHits + validationStatistics.CacheHits} clips from cache, {trainStatistics.Extracted + validationStatistics.Extracted} extracted " +
            $"({trainStatistics.FramesExtracted + validationStatistics.FramesExtracted} frames) in {featureTime.TotalSeconds:F1} s");
        Console.WriteLine($"training: {training.History.Count} epochs in {training.Elapsed.TotalSeconds:F1} s, best epoch {training.BestEpoch}");
        Console.WriteLine($"export: ONNX Runtime vs TorchSharp max abs difference {parity.MaxDifference:E2} over {parity.Cases} inputs");
        if (evaluation is not null)
        {
            foreach (var warning in ReportWriter.BaselineWarnings(evaluation))
                Log.Warning("{Warning}", warning);
            Console.WriteLine($"validation: {ReportWriter.Summary(evaluation)}; frame-averaging baseline {evaluation.FrameAveragingBaselineAccuracy:P1}; report in {request.Report}");
        }
        if (none is not null)
            Console.WriteLine($"none: thresholds {string.Join(", ", none.Thresholds.Select(t => $"{t.Key} {t.Value.ToString("0.####", CultureInfo.InvariantCulture)}"))}; " +
                $"{none.NoneFrames} of {none.Frames} validation frames of the gestures labelled none");
        if (calibration?.Check is { } check)
            Console.WriteLine($"int8: {check}{(check.Passed ? $"; {CnnCalibration.FileName} written, CPUs run int8" : "; not written, CPUs run float32")}");
        Console.WriteLine($"total: {stopwatch.Elapsed.TotalSeconds:F1} s");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The frame rate of the training clips, which makes the difference step a time; null (the step
    /// then counts frames) when a clip's rate is unknown or the clips' rates differ by more than 1 %.
    /// </summary>
    private static double? TrainingFrameRate(IReadOnlyList<LabelledClip> clips)
    {
        var rates = clips.Select(c =>
        {
            using var source = FrameSourceFactory.Open(c.Path);
            return source.FramesPerSecond;
        }).ToArray();
        if (rates.Length == 0 || rates.Any(r => !(r > 0)) || rates.Max() > rates.Min() * 1.01)
        {
            Log.Warning("The training clips' frame rates ({Rates}) are not one known rate: the package's difference step counts frames at any rate",
                string.Join(", ", rates.Distinct().Select(r => r.ToString("0.###", CultureInfo.InvariantCulture))));
            return null;
        }
        return Math.Round(rates.Average(), 3);
    }

    private static CnnCalibration MeasureRanges(IReadOnlyList<LabelledClip> clips, int threads, CnnStreams streams)
    {
        Log.Information("Measuring the int8 CNN's activation ranges on {Count} training clip(s), frame stride {Stride}", clips.Count, PackageCalibrator.DefaultFrameStride);
        return PackageCalibrator.MeasureRanges(clips.Select(c => c.Path).ToArray(), cpuThreads: threads, streams: streams);
    }

    /// <summary>Checks int8 against float32 through the new head and keeps the calibration in the package when it passes.</summary>
    private static CnnCalibration CalibrateInt8(ModelPackage package, CnnCalibration ranges, IReadOnlyList<string> checkClips, int threads)
    {
        Log.Information("Checking the int8 CNN against float32 on {Count} clip(s)", checkClips.Count);
        var calibration = PackageCalibrator.Check(package, ranges, checkClips, cpuThreads: threads);
        if (calibration.Check!.Passed)
            calibration.Save(package.Directory);
        else
            Log.Warning("int8 changes too many window labels ({Check}): the package gets no {File} and runs float32 on CPUs",
                calibration.Check.ToString(), CnnCalibration.FileName);
        return calibration;
    }

    private static ModelManifest Manifest(TrainRequest request, ClipDataset dataset, Dictionary<string, object> facts, CnnStreams streams) => new()
    {
        Name = request.Name,
        Description = $"GRU head trained on {Path.GetFileName(dataset.Root)} by ModelTraining ({facts["split"]}).",
        Trained = true,
        Labels = dataset.Labels,
        Cnn = new CnnSpec
        {
            Model = ResNet18FeatureModel.Id, FeatureSize = CnnFeatureNames.SizeOf(request.Features),
            // A pooled head's manifest stays as it always was.
            Features = request.Features == CnnFeatures.Pooled ? null : CnnFeatureNames.Name(request.Features),
            // An RGB-only head's manifest stays as it always was.
            Streams = streams == CnnStreams.RgbOnly ? null : streams.Names,
            Difference = streams.Difference,
        },
        Head = new HeadSpec { File = "head.onnx", HiddenSize = request.Options.HiddenSize, Layers = request.Options.Layers },
        Window = request.Options.Length,
        Stride = request.Options.Stride,
        Training = facts.ToDictionary(f => f.Key, f => JsonSerializer.SerializeToElement(f.Value)),
    };
}
