using OpenCvSharp;
using StreamLrcn.Cli;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cli;

/// <summary>Bad options, unreadable inputs and unwritable outputs: an exit code and a message that says what was wrong, never a stack trace.</summary>
public sealed class ReplayBadInputTests(ReplayFixture media) : IClassFixture<ReplayFixture>
{
    [Theory]
    [InlineData("--folder-fps", "0", "--folder-fps takes a frame rate above 0, found '0'")]
    [InlineData("--folder-fps", "NaN", "--folder-fps takes a frame rate above 0, found 'NaN'")]
    [InlineData("--folder-fps", "fast", "--folder-fps takes a number, found 'fast'")]
    [InlineData("--stride", "abc", "--stride takes a whole number, found 'abc'")]
    [InlineData("--window", "100000000", "--window must be 1 to 10000 frames, found 100000000")]
    [InlineData("--batch", "100000000", "--batch must be 1 to 1024 frames, found 100000000")]
    [InlineData("--batch-deadline-ms", "NaN", "--batch-deadline-ms takes milliseconds from 0 to 1e9, found 'NaN'")]
    [InlineData("--annotate-encoder", "gif", "--annotate-encoder takes one of auto, ffmpeg, opencv, found 'gif'")]
    [InlineData("--precision", "fp8", "--precision takes auto, fp32, fp16 or int8, found 'fp8'")]
    [InlineData("--precision", "int8", "precision int8 needs the model package's activation ranges: expected cnn-calibration.json in the package, found none")]
    public void A_bad_option_value_names_the_option_what_it_takes_and_what_was_given_and_nothing_runs(string option, string value, string expected)
    {
        using var scratch = media.Scratch();
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", media.Folder, "--model", media.Model, "--out", output, "--device", "cpu", option, value);

        Assert.True(run.ExitCode == ExitCodes.InvalidSetup, run.AllOutput);
        Assert.Contains(expected, run.StandardError);
        CliAssert.NoStackTrace(run);
        Assert.Empty(LabelRecord.Read(output));
    }

    [Fact]
    public void An_output_that_cannot_be_created_is_reported_with_exit_code_3_before_any_frame_is_read()
    {
        var output = "/proc/1/labels.jsonl";

        var run = Support.Cli.Run("replay", media.Folder, "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.OutputFailed, run.AllOutput);
        Assert.Contains($"output '{output}' cannot be written", run.StandardError);
        Assert.DoesNotContain("CNN runs on", run.StandardError);
        CliAssert.NoStackTrace(run);
    }

    [Fact]
    public void A_full_disk_stops_the_run_at_the_first_write_with_exit_code_3_and_the_reason()
    {
        using var scratch = media.Scratch();
        var output = scratch.File("labels.jsonl");
        File.CreateSymbolicLink(output, "/dev/full");

        // An endless input: the run can only end because the failed write stops it.
        var run = Support.Cli.Run("replay", "pattern:endless", "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.OutputFailed, run.AllOutput);
        Assert.Contains($"output '{output}' could not be written: No space left on device", run.StandardError);
        Assert.Contains("it holds the first 0 labels", run.StandardError);
        CliAssert.NoStackTrace(run);
    }

    [Fact]
    public void Out_dash_writes_the_same_JSON_lines_to_standard_output_and_nothing_else()
    {
        using var scratch = media.Scratch();
        var file = scratch.File("labels.jsonl");

        var piped = Support.Cli.Run("replay", media.ShortAvi, media.Folder, "--model", media.Model, "--out", "-", "--device", "cpu", "--batch", "4");
        var written = Support.Cli.Run("replay", media.ShortAvi, media.Folder, "--model", media.Model, "--out", file, "--device", "cpu", "--batch", "4");

        Assert.True(piped.ExitCode == ExitCodes.Success, piped.AllOutput);
        Assert.True(written.ExitCode == ExitCodes.Success, written.AllOutput);
        Assert.Equal(File.ReadAllText(file), piped.StandardOutput);
        Assert.Equal(45 + 40, piped.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("frames: 85 in", piped.StandardError);
        Assert.Contains("written to standard output", piped.StandardError);
    }

    [Fact]
    public void A_file_that_opens_but_decodes_no_frame_is_an_input_that_cannot_be_read()
    {
        using var scratch = media.Scratch();
        var png = scratch.File("still.png");
        using (var image = new Mat(240, 320, MatType.CV_8UC3))
        {
            TestMedia.DrawFrame(image, 0);
            Cv2.ImWrite(png, image);
        }
        // Half a PNG named like a video: FFmpeg opens it as an image and decodes nothing.
        var broken = TestMedia.Truncated(png, scratch.File("broken.mp4"));
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", broken, "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.InvalidSetup, run.AllOutput);
        Assert.Contains($"input '{broken}' could not be read: FFmpeg opens it but decodes no frame from it", run.StandardError);
        Assert.Contains("starting with 0x89504E470D0A1A0A", run.StandardError); // the PNG signature
        CliAssert.NoStackTrace(run);
        Assert.Empty(LabelRecord.Read(output));
    }

    [SkippableFact]
    public void A_corrupt_stretch_mid_file_is_skipped_and_every_frame_FFmpeg_decodes_is_labelled_at_its_time()
    {
        Skip.If(media.H264 is null, "ffmpeg is not installed (scripts/install-deps.sh installs it)");
        using var scratch = media.Scratch();
        var corrupt = TestMedia.Corrupted(media.H264!, scratch.File("corrupt.mp4"), new FileInfo(media.H264!).Length / 2, 200_000);
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", corrupt, "--model", media.Model, "--out", output, "--device", "cpu");

        Assert.True(run.ExitCode == ExitCodes.InputFailed, run.AllOutput);
        var expectedTimes = TestMedia.FrameTimesWithFfprobe(corrupt);
        Assert.InRange(expectedTimes.Length, 200, 299); // the damage costs frames, and FFmpeg decodes past it
        var records = LabelRecord.Read(output);
        Assert.Equal(expectedTimes.Length, records.Count);
        for (var i = 0; i < records.Count; i++)
            Assert.True(Math.Abs(records[i].TimeMs - expectedTimes[i]) < 0.5, $"frame {i}: {records[i].TimeMs} ms, ffprobe says {expectedTimes[i]} ms");
        var skipped = 300 - records.Count;
        Assert.Contains($"corrupt.mp4: {skipped} frames could not be decoded and were skipped", run.StandardError);
        Assert.Contains($"stream corrupt.mp4: {records.Count} frames, {skipped} skipped (could not be decoded)", run.StandardOutput);
        CliAssert.NoStackTrace(run);
    }

    [Fact]
    public void A_corrupt_image_in_a_folder_is_skipped_and_the_images_after_it_are_labelled()
    {
        using var scratch = media.Scratch();
        var folder = scratch.File("frames");
        Directory.CreateDirectory(folder);
        using (var image = new Mat(240, 320, MatType.CV_8UC3))
        {
            for (var i = 0; i < 12; i++)
            {
                TestMedia.DrawFrame(image, i);
                Cv2.ImWrite(Path.Combine(folder, $"frame_{i:00}.jpg"), image);
            }
        }
        // Frame 5's header tables overwritten: no decoder can read it (ffprobe checks that below).
        var damaged = Path.Combine(folder, "frame_05.jpg");
        TestMedia.Corrupted(damaged, damaged, 2, 400);
        Assert.Throws<InvalidOperationException>(() => TestMedia.Run("ffmpeg", "-v", "error", "-xerror", "-i", damaged, "-f", "null", "-"));
        var output = scratch.File("labels.jsonl");

        var run = Support.Cli.Run("replay", folder, "--model", media.Model, "--out", output, "--device", "cpu", "--folder-fps", "10");

        Assert.True(run.ExitCode == ExitCodes.InputFailed, run.AllOutput);
        var records = LabelRecord.Read(output);
        Assert.Equal(new double[] { 0, 100, 200, 300, 400, 600, 700, 800, 900, 1000, 1100 }, records.Select(r => r.TimeMs));
        Assert.Contains("frame_05.jpg (frame 5 of the folder) could not be decoded: skipped", run.StandardError);
        Assert.Contains("stream frames: 11 frames, 1 skipped (could not be decoded)", run.StandardOutput);
        CliAssert.NoStackTrace(run);
    }
}
