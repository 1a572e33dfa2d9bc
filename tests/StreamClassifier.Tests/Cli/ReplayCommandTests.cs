using StreamLrcn.Cli;
using StreamLrcn.Tests.Models;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cli;

public sealed class ReplayCommandTests(ReplayFixture media) : IClassFixture<ReplayFixture>
{
    [SkippableFact]
    public void Replay_of_an_H264_file_writes_one_record_per_frame_with_the_container_timestamps()
    {
        Skip.If(media.H264 is null, "ffmpeg is not installed (scripts/install-deps.sh installs it)");
        using var scratch = media.Scratch();
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", media.H264!, "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        var records = LabelRecord.Read(output);
        var expectedTimes = TestMedia.FrameTimesWithFfprobe(media.H264!);
        Assert.Equal(300, expectedTimes.Length);
        Assert.Equal(300, records.Count);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), records.Select(r => r.Frame));
        for (var i = 0; i < 300; i++)
            Assert.True(Math.Abs(records[i].TimeMs - expectedTimes[i]) < 0.5, $"frame {i}: {records[i].TimeMs} ms, ffprobe says {expectedTimes[i]} ms");
        Assert.Contains("frames: 300", run.StandardOutput);
    }

    [Fact]
    public void Replay_of_an_MJPG_AVI_writes_one_record_per_frame_at_the_frame_times()
    {
        using var scratch = media.Scratch();
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", media.MjpgAvi, "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        var records = LabelRecord.Read(output);
        Assert.Equal(300, records.Count);
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(i, records[i].Frame);
            Assert.True(Math.Abs(records[i].TimeMs - i * 1000.0 / 30) < 0.5, $"frame {i}: {records[i].TimeMs} ms");
        }
        Assert.Equal("stream-start", records[0].Reset);
        // Window 8, stride 4: window labels at frames 7, 11, 15, …
        Assert.Equal(Enumerable.Range(0, 74).Select(k => 7L + 4 * k), records.Where(r => r.WindowLabel is not null).Select(r => r.Frame));
    }

    [Fact]
    public void Replay_of_an_image_folder_labels_every_image_in_name_order()
    {
        using var scratch = media.Scratch();
        var output = scratch.File("labels.csv");

        var run = Support.Cli.Run("replay", media.Folder, "--model", media.Model, "--out", output, "--folder-fps", "10", "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        var lines = File.ReadAllLines(output);
        Assert.Equal("stream,streamIndex,frame,timeMs,label,confidence,probabilities.left,probabilities.right,probabilities.still," +
            "window.label,window.confidence,window.probabilities.left,window.probabilities.right,window.probabilities.still,reset", lines[0]);
        Assert.Equal(41, lines.Length);
        for (var i = 0; i < 40; i++)
        {
            var fields = lines[i + 1].Split(',');
            Assert.Equal(i.ToString(), fields[2]);
            Assert.Equal((i * 100).ToString(), fields[3]);
            Assert.Contains(fields[4], TestModels.Labels);
        }
    }

    [Fact]
    public void Several_inputs_are_labelled_in_one_run_and_two_runs_write_identical_files()
    {
        using var scratch = media.Scratch();
        var first = scratch.File("first.jsonl");
        var second = scratch.File("second.jsonl");

        var a = Support.Cli.Run("replay", media.ShortAvi, media.Folder, "--model", media.Model, "--out", first, "--device", "cpu", "--batch", "4");
        var b = Support.Cli.Run("replay", media.ShortAvi, media.Folder, "--model", media.Model, "--out", second, "--device", "cpu", "--batch", "4");

        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a.AllOutput + b.AllOutput);
        var records = LabelRecord.Read(first);
        Assert.Equal(45, records.Count(r => r.StreamIndex == 0));
        Assert.Equal(40, records.Count(r => r.StreamIndex == 1));
        // The streams are interleaved, not one after the other: they went through the CNN together.
        Assert.Equal(1, records[1].StreamIndex);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

        // Two CNN batches in flight (as on a GPU) finish in any order but must leave in order.
        var third = scratch.File("third.jsonl");
        var c = Support.Cli.Run("replay", media.ShortAvi, media.Folder, "--model", media.Model, "--out", third, "--device", "cpu", "--batch", "4", "--in-flight", "2");
        Assert.True(c.ExitCode == 0, c.AllOutput);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(third));
    }

    [SkippableFact]
    public void Replay_of_a_real_MPEG4_clip_labels_every_frame_with_timestamps_that_never_go_back()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        // Packed B-frames: the AVI carries decode times only, one frame late, and 0 for the last frame.
        var clip = Path.Combine(SharedData.ArmGestures, "wave", "p2_t1.avi");
        using var scratch = media.Scratch();
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", clip, "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        var records = LabelRecord.Read(output);
        Assert.Equal(TestMedia.CountFramesWithFfprobe(clip), records.Count);
        Assert.Equal(0, records[0].TimeMs);
        for (var i = 1; i < records.Count; i++)
            Assert.InRange(records[i].TimeMs - records[i - 1].TimeMs, 30, 37); // 29.97 fps
        Assert.Single(records, r => r.Reset is not null);
    }

    [Fact]
    public void A_missing_input_is_reported_and_nothing_runs()
    {
        using var scratch = media.Scratch();
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", scratch.File("nope.mp4"), "--model", media.Model, "--out", output);

        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("nope.mp4' does not exist: expected a video file or an image folder", run.StandardError);
        Assert.Empty(LabelRecord.Read(output));
    }

    [Fact]
    public void An_empty_file_is_reported()
    {
        using var scratch = media.Scratch();
        File.WriteAllBytes(scratch.File("empty.mp4"), []);

        var run = Support.Cli.Run("replay", scratch.File("empty.mp4"), "--model", media.Model, "--out", scratch.File("labels.jsonl"));

        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("is empty (0 bytes): expected a video file", run.StandardError);
    }

    [Fact]
    public void A_file_that_is_not_a_video_is_reported_with_what_was_found()
    {
        using var scratch = media.Scratch();
        File.WriteAllText(scratch.File("notes.mp4"), "these are not frames\n");

        var run = Support.Cli.Run("replay", scratch.File("notes.mp4"), "--model", media.Model, "--out", scratch.File("labels.jsonl"));

        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("could not be opened as a video", run.StandardError);
        Assert.Contains("21 bytes starting with 0x7468657365206172", run.StandardError); // "these ar"
    }

    [Fact]
    public void A_video_truncated_in_the_middle_is_reported_and_the_labels_before_the_cut_are_kept()
    {
        using var scratch = media.Scratch();
        var truncated = TestMedia.Truncated(media.MjpgAvi, scratch.File("cut.avi"));
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", media.ShortAvi, truncated, "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.Equal(ExitCodes.InputFailed, run.ExitCode);
        Assert.Contains("the file is truncated or corrupt after frame", run.AllOutput);
        Assert.Contains("but its container announces 300", run.AllOutput);
        var records = LabelRecord.Read(output);
        var cut = records.Where(r => r.Stream == "cut.avi").ToArray();
        var decodable = TestMedia.CountFramesWithFfprobe(truncated);
        Assert.InRange(cut.Length, decodable - 3, decodable);
        Assert.InRange(cut.Length, 100, 200);
        Assert.Equal(Enumerable.Range(0, cut.Length).Select(i => (long)i), cut.Select(r => r.Frame));
        Assert.Contains($"ended after {cut.Length} frames", run.AllOutput);
        // The other input in the same run is complete.
        Assert.Equal(45, records.Count(r => r.Stream == "short.avi"));
    }

    [Fact]
    public void An_empty_folder_is_reported()
    {
        using var scratch = media.Scratch();
        Directory.CreateDirectory(scratch.File("nothing"));

        var run = Support.Cli.Run("replay", scratch.File("nothing"), "--model", media.Model, "--out", scratch.File("labels.jsonl"));

        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("holds no images: expected files named in time order", run.StandardError);
    }

    [Fact]
    public void A_model_that_does_not_match_its_manifest_is_reported_before_any_frame()
    {
        using var scratch = media.Scratch();
        var model = scratch.File("model");
        TestModels.Write(model, hidden: 16);
        ModelPackageTests.EditManifest(model, m => m["labels"] = new System.Text.Json.Nodes.JsonArray("a", "b"));
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", media.ShortAvi, "--model", model, "--out", output);

        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("'probabilities' expected float [?,?,2], found Float [?,?,3]", run.StandardError);
        Assert.Contains("the head does not match its manifest", run.StandardError);
        Assert.Empty(LabelRecord.Read(output));
    }

    [Fact]
    public void Device_auto_falls_back_to_the_cpu_with_the_reason_and_cuda_alone_is_an_error_without_a_gpu()
    {
        using var scratch = media.Scratch();

        var auto = Support.Cli.Run("replay", media.Folder, "--model", media.Model, "--out", scratch.File("a.jsonl"), "--device", "auto");
        var cuda = Support.Cli.Run("replay", media.Folder, "--model", media.Model, "--out", scratch.File("b.jsonl"), "--device", "cuda:0");

        Assert.True(auto.ExitCode == ExitCodes.Success, auto.AllOutput);
        Assert.Equal(40, LabelRecord.Read(scratch.File("a.jsonl")).Count);
        if (auto.StandardError.Contains("CNN runs on CUDA"))
            return; // a machine with a working GPU: nothing falls back
        Assert.Contains("CUDA is not available (", auto.StandardError);
        Assert.Contains("the CNN runs on the CPU", auto.StandardError);
        Assert.Equal(ExitCodes.InvalidSetup, cuda.ExitCode);
        Assert.Contains("device cuda:0 was requested but ONNX Runtime's CUDA provider could not start", cuda.StandardError);
        Assert.Contains("CUDA 13 and cuDNN 9", cuda.StandardError);
    }

    [Fact]
    public void A_bad_device_name_is_reported()
    {
        using var scratch = media.Scratch();
        var run = Support.Cli.Run("replay", media.Folder, "--model", media.Model, "--out", scratch.File("a.jsonl"), "--device", "gpu");
        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("device 'gpu' is not valid: expected auto, cpu, cuda or cuda:ID", run.StandardError);
    }
    [SkippableFact]
    public void Inputs_with_the_same_file_name_get_distinct_stream_names_and_the_summary_counts_labels_per_stream()
    {
        Skip.IfNot(SharedData.Available, SharedData.MissingReason);
        using var folder = new TempDirectory();
        var output = folder.File("labels.jsonl");
        var wave = Path.Combine(SharedData.ArmGestures, "wave", "p1_t1.avi");
        var side = Path.Combine(SharedData.ArmGestures, "raise_arms_side", "p1_t1.avi");

        var run = Support.Cli.Run("replay", wave, side, "--model", RepoPaths.DefaultModel, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.Success, run.AllOutput);
        var records = LabelRecord.Read(output);
        Assert.Equal(["raise_arms_side/p1_t1.avi", "wave/p1_t1.avi"], records.Select(r => r.Stream).Distinct().Order(StringComparer.Ordinal));
        foreach (var stream in records.GroupBy(r => r.Stream))
        {
            // The summary line of each stream: its frame count and its per-label counts, as the JSONL holds them.
            // In the package's label order; the default's fourth label is its background class "none".
            var counts = string.Join(", ", stream.GroupBy(r => r.Label).OrderBy(g => Array.IndexOf(new[] { "raise_arms_side", "wave", "raise_arms_front", "none" }, g.Key))
                .Select(g => $"{g.Key} {g.Count()}"));
            Assert.Contains($"stream {stream.Key}: {stream.Count()} frames ({counts})", run.StandardOutput);
        }
    }
    [Fact]
    public void Csv_rows_hold_the_fields_of_the_json_lines_under_their_json_paths()
    {
        using var scratch = media.Scratch();
        var json = scratch.File("labels.jsonl");
        var csv = scratch.File("labels.csv");

        Assert.Equal(ExitCodes.Success, Support.Cli.Run("replay", media.ShortAvi, "--model", media.Model, "--out", json, "--device", "cpu").ExitCode);
        Assert.Equal(ExitCodes.Success, Support.Cli.Run("replay", media.ShortAvi, "--model", media.Model, "--out", csv, "--device", "cpu").ExitCode);

        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        var records = File.ReadAllLines(json).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(records.Length, lines.Length - 1);
        Assert.Contains(records, r => r.TryGetProperty("window", out _));
        for (var row = 0; row < records.Length; row++)
        {
            var fields = lines[row + 1].Split(',');
            Assert.Equal(header.Length, fields.Length);
            for (var column = 0; column < header.Length; column++)
            {
                // Walk the column's JSON path; a missing path (no window, no reset) is an empty field.
                var element = (System.Text.Json.JsonElement?)records[row];
                foreach (var part in header[column].Split('.'))
                    element = element is { } e && e.TryGetProperty(part, out var child) ? child : null;
                var expected = element switch
                {
                    null => "",
                    { ValueKind: System.Text.Json.JsonValueKind.String } e => e.GetString(),
                    { } e => e.GetRawText(),
                };
                if (element is { ValueKind: System.Text.Json.JsonValueKind.Number } number)
                    Assert.Equal(number.GetDouble(), double.Parse(fields[column], System.Globalization.CultureInfo.InvariantCulture), 6);
                else
                    Assert.Equal(expected, fields[column]);
            }
        }
    }
}
