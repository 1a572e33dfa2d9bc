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
}
