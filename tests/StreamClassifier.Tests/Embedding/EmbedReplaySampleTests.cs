using System.Diagnostics;
using StreamLrcn.Tests.Support;
using CliProgram = StreamLrcn.Tests.Support.Cli;

namespace StreamLrcn.Tests.Embedding;

/// <summary>samples/EmbedReplay, built with the solution and run as a user would: one JSON line per frame, the same as replay's.</summary>
public sealed class EmbedReplaySampleTests
{
    [Fact]
    public void The_sample_prints_one_record_per_frame_equal_to_replay()
    {
        using var dir = new TempDirectory();
        const int frames = 45;
        var clip = TestMedia.MjpgAvi(dir.File("clip.avi"), frames, 320, 240);

        var sample = RunSample(clip, "--model", RepoPaths.DefaultModel);
        Assert.True(sample.ExitCode == 0, sample.StandardError);
        var replay = CliProgram.Run("replay", clip, "--model", RepoPaths.DefaultModel, "--out", dir.File("replay.jsonl"));
        Assert.True(replay.ExitCode == 0, replay.AllOutput);

        var sampleLines = sample.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var replayLines = File.ReadAllLines(dir.File("replay.jsonl"));
        Assert.Equal(frames, sampleLines.Length);
        Assert.Equal(replayLines, sampleLines);
        // The library logged through Microsoft.Extensions.Logging to the sample's console logger (standard error).
        Assert.Contains("CNN runs on CPU", sample.StandardError);
    }

    [Fact]
    public void A_missing_video_gets_the_library_message_and_no_stack_trace()
    {
        var run = RunSample("/nonexistent/clip.mp4", "--model", RepoPaths.DefaultModel);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("input '/nonexistent/clip.mp4' does not exist", run.StandardError);
        Assert.Empty(run.StandardOutput);
        CliAssert.NoStackTrace(run.AllOutput);
    }

    private static CliProgram.Result RunSample(params string[] arguments)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var dll = Path.Combine(RepoPaths.Root, "samples", "EmbedReplay", "bin", configuration, "net10.0", "EmbedReplay.dll");
        Assert.True(File.Exists(dll), $"the sample is not built at {dll} (dotnet build StreamLrcn.sln builds it)");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("EmbedReplay did not finish within 3 minutes");
        }
        return new CliProgram.Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
