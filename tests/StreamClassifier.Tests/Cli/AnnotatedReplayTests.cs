using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using StreamLrcn.Cli;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Overlay;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cli;

public sealed class AnnotatedReplayTests
{
    private const int Frames = 48;

    /// <summary>Bar lengths read back from a decoded H.264 frame are within this many pixels of the drawn ones.</summary>
    private const double TolerancePx = 3;

    [Fact]
    public void Annotated_video_has_every_input_frame_and_its_overlay_shows_the_labels_of_the_jsonl()
    {
        Assert.True(TestMedia.HasFfmpeg, "this test needs ffmpeg and ffprobe (scripts/install-deps.sh installs them)");
        using var folder = new TempDirectory();
        var input = TestMedia.H264(folder.File("clip.mp4"), frames: Frames);
        var model = SharpModel(folder.File("model"));
        var labels = folder.File("labels.jsonl");
        var annotated = folder.File("annotated.mp4");

        var run = Support.Cli.Run("replay", input, "--model", model.Directory, "--out", labels, "--annotate", annotated, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        Assert.Contains("H.264 through ffmpeg", run.AllOutput);
        Assert.Equal(TestMedia.CountFramesWithFfprobe(input), TestMedia.CountFramesWithFfprobe(annotated));
        Assert.Equal(FrameRate(input), FrameRate(annotated));
        var records = ReadRecords(labels);
        Assert.Equal(Frames, records.Length);
        CheckOverlayMatchesRecords(annotated, records, model.Labels);
    }

    [Fact]
    public void Several_inputs_without_ffmpeg_give_one_opencv_mjpg_file_each_with_every_frame()
    {
        Assert.True(TestMedia.HasFfmpeg, "this test counts frames with ffprobe (scripts/install-deps.sh installs it)");
        using var folder = new TempDirectory();
        var first = TestMedia.MjpgAvi(folder.File("first.avi"), frames: 12, width: 320, height: 240, fps: 25);
        var second = TestMedia.ImageFolder(folder.File("second"), frames: 9);
        var model = SharpModel(folder.File("model"));

        var run = Support.Cli.Run("replay", first, second, "--model", model.Directory, "--out", folder.File("labels.jsonl"),
            "--annotate", folder.File("out.avi"), "--annotate-encoder", "opencv", "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        Assert.Contains("MJPG/AVI through OpenCV VideoWriter", run.AllOutput);
        var firstOut = folder.File("out-0-first.avi");
        var secondOut = folder.File("out-1-second.avi");
        Assert.Equal(12, TestMedia.CountFramesWithFfprobe(firstOut));
        Assert.Equal(9, TestMedia.CountFramesWithFfprobe(secondOut));
        Assert.Equal("25/1", FrameRate(firstOut));
        CheckOverlayMatchesRecords(firstOut, ReadRecords(folder.File("labels.jsonl")).Where(r => r.Stream == 0).ToArray(), model.Labels);
    }

    [Fact]
    public void Annotated_output_that_opencv_cannot_write_is_refused_before_the_run_with_the_reason()
    {
        using var folder = new TempDirectory();
        var model = TestModels.Write(folder.File("model"));

        var run = Support.Cli.Run("replay", "pattern", "--model", model.Directory, "--out", folder.File("labels.jsonl"),
            "--annotate", folder.File("out.mkv"), "--annotate-encoder", "opencv");

        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("OpenCV here writes only .avi (MJPG) or .mp4 (mp4v), found '.mkv'", run.AllOutput);
        Assert.False(File.Exists(folder.File("out.mkv")));
    }

    [SkippableFact]
    public void A_container_that_cannot_hold_H264_is_refused_before_the_first_frame_and_no_file_is_left()
    {
        Skip.IfNot(TestMedia.HasFfmpeg, "ffmpeg is not installed");
        using var folder = new TempDirectory();
        var model = TestModels.Write(folder.File("model"));

        var run = Support.Cli.Run("replay", "pattern", "--model", model.Directory, "--out", folder.File("labels.jsonl"),
            "--annotate", folder.File("out.webm"), "--annotate-encoder", "ffmpeg", "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.InvalidSetup, run.AllOutput);
        Assert.Contains("ffmpeg cannot put H.264 into a '.webm' file", run.StandardError);
        Assert.Contains("Only VP8 or VP9 or AV1", run.StandardError);
        CliAssert.NoStackTrace(run);
        Assert.DoesNotContain("CNN runs on", run.StandardError);
        Assert.False(File.Exists(folder.File("out.webm")));
    }

    /// <summary>
    /// Decodes every frame and reads the overlay back: the swatch's class is the record's label and
    /// each bar's length is its probability. The same check against the neighbouring frame's record
    /// must fail somewhere, otherwise it could not tell a frame-shifted overlay from a right one.
    /// </summary>
    private static void CheckOverlayMatchesRecords(string video, Record[] records, IReadOnlyList<string> labels)
    {
        using var capture = new VideoCapture(video);
        using var frame = new Mat();
        var ownErrors = new List<double>();
        var neighbourErrors = new List<double>();
        for (var i = 0; i < records.Length; i++)
        {
            Assert.True(capture.Read(frame) && !frame.Empty(), $"{video} ends after {i} frames, {records.Length} expected");
            var layout = OverlayLayout.For(frame.Size(), labels);
            Assert.Equal(records[i].Label, OverlayProbe.SwatchClass(frame, layout, labels.Count));
            ownErrors.Add(BarError(frame, layout, records[i].Probabilities));
            if (i > 0)
                neighbourErrors.Add(BarError(frame, layout, records[i - 1].Probabilities));
        }
        Assert.True(ownErrors.Max() <= TolerancePx, $"bars differ from the record of their own frame by up to {ownErrors.Max():0.0} px");
        Assert.True(neighbourErrors.Max() > TolerancePx, $"bars never differ from the previous frame's record by more than {TolerancePx} px: the check cannot tell frames apart");
    }

    /// <summary>Largest difference, over the bar rows, between the measured fill and the fill <paramref name="probabilities"/> gives.</summary>
    private static double BarError(Mat frame, OverlayLayout layout, float[] probabilities)
    {
        var order = OverlayProbe.BarOrder(probabilities);
        return Enumerable.Range(0, layout.BarCount)
            .Max(row => Math.Abs(OverlayProbe.FilledLength(frame, layout, row, order[row]) - Math.Round(probabilities[order[row]] * layout.BarLength)));
    }

    /// <summary>
    /// A head whose classifier weights are scaled up: its probabilities swing from frame to frame
    /// instead of sitting near uniform, so the overlay of one frame is distinguishable from the next.
    /// </summary>
    private static ModelPackage SharpModel(string directory)
    {
        var weights = HeadWeights.Random(ResNet18FeatureModel.FeatureSize, 32, 1, TestModels.Labels.Length, seed: 11);
        var scaled = weights with { ClassifierWeight = weights.ClassifierWeight.Select(w => w * 12).ToArray() };
        return ModelPackage.Write(directory, TestModels.Manifest(), scaled);
    }

    private sealed record Record(int Stream, long Frame, int Label, float[] Probabilities);

    private static Record[] ReadRecords(string path)
    {
        var labels = TestModels.Labels;
        return File.ReadLines(path).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var probabilities = root.GetProperty("probabilities");
            return new Record(
                root.GetProperty("streamIndex").GetInt32(),
                root.GetProperty("frame").GetInt64(),
                Array.IndexOf(labels, root.GetProperty("label").GetString()),
                labels.Select(l => probabilities.GetProperty(l).GetSingle()).ToArray());
        }).ToArray();
    }

    private static string FrameRate(string video) =>
        TestMedia.Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate", "-of", "csv=p=0", video).Trim().Trim(',');
}
