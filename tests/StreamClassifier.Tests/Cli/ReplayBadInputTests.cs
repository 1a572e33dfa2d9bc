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
    [InlineData("--window", "100000000", "--window must be 1 to 10000 frames")]
    [InlineData("--batch", "100000000", "batch size must be 1 to 1024")]
    [InlineData("--batch-deadline-ms", "NaN", "--batch-deadline-ms takes milliseconds from 0 to 1e9, found 'NaN'")]
    [InlineData("--annotate-encoder", "gif", "--annotate-encoder takes one of auto, ffmpeg, opencv, found 'gif'")]
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
}
