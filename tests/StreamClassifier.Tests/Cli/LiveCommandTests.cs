using System.Diagnostics;
using OpenCvSharp;
using StreamLrcn.Cli;
using StreamLrcn.Overlay;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cli;

public sealed class LiveCommandTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    [NoCameraFact]
    public void Live_on_camera_0_without_a_camera_says_so_and_exits_with_code_2()
    {
        using var folder = new TempDirectory();
        var model = TestModels.Write(folder.File("model"));

        var run = Support.Cli.Run(TimeSpan.FromMinutes(1), "live", "--source", "0", "--model", model.Directory);

        Assert.Equal(ExitCodes.InvalidSetup, run.ExitCode);
        Assert.Contains("camera 0 is not available: expected a video device /dev/video0, found none", run.StandardError);
    }

    [DisplayFact]
    public async Task Live_window_on_a_file_shows_the_overlay_over_the_video_and_quits_cleanly_on_q()
    {
        using var folder = new TempDirectory();
        var model = TestModels.Write(folder.File("model"));
        var video = StillVideo(folder.File("live-still.avi"));
        using var source = FirstFrame(video);
        var layout = OverlayLayout.For(source.Size(), model.Labels);
        // Above the overlay's strip along the bottom nothing is drawn: the window must show the video itself there.
        var clear = new Rect(0, 0, source.Width, Math.Min(layout.LabelPanel.Y, layout.BarPanel.Y) - 4);
        var labelText = new Rect(layout.Swatch.Right, layout.Swatch.Y, layout.LabelPanel.Right - layout.Swatch.Right - layout.Padding, layout.Swatch.Height);

        using var live = new RunningCli("live", "--source", video, "--model", model.Directory, "--device", "cpu", "--snapshots", folder.Path);
        Assert.True(await live.WaitForLineAsync("first labelled frame on screen", StartTimeout), live.Output);
        var window = await FindWindowAsync("StreamLrcn - live-still.avi");

        // The X server draws asynchronously: take screenshots until the labelled frame is on it.
        Mat shot = new();
        for (var attempt = 0; attempt < 40; attempt++)
        {
            shot.Dispose();
            shot = Screenshot(window, folder.File("shot.png"));
            if (shot.Size() == source.Size() && OverlayProbe.MeanDifference(shot, source, clear) < 2 && OverlayProbe.MeanDifference(shot, source, layout.BarPanel) > 20)
                break;
            await Task.Delay(250);
        }
        using (shot)
        {
            Assert.Equal(source.Size(), shot.Size());
            Assert.True(OverlayProbe.MeanDifference(shot, source, clear) < 2, "the window does not show the video outside the overlay");
            Assert.True(OverlayProbe.MeanDifference(shot, source, layout.BarPanel) > 20, "the bar region shows the bare video");
            Assert.True(OverlayProbe.MeanDifference(shot, source, labelText) > 20, "the label text region shows the bare video");
            Assert.True(WhitePixels(shot, labelText) > 50, "no label text drawn");
            // The top bar is the most probable class: at least 1/classes of the bar is filled in its colour.
            var top = OverlayProbe.SwatchClass(shot, layout, model.Labels.Count);
            Assert.InRange(OverlayProbe.FilledLength(shot, layout, 0, top), layout.BarLength / (double)model.Labels.Count - 2, layout.BarLength);
        }

        Xdotool("windowfocus", "--sync", window);
        Xdotool("key", "s");
        Assert.True(await live.WaitForLineAsync("Snapshot of frame", StartTimeout), live.Output);

        // o moves the overlay to the top edge: the bars are drawn there and the rest shows the video.
        Xdotool("key", "o");
        Assert.True(await live.WaitForLineAsync("Overlay moved to the top", StartTimeout), live.Output);
        var atTop = OverlayLayout.For(source.Size(), model.Labels, OverlayPosition.Top);
        var stripBottom = Math.Max(atTop.LabelPanel.Bottom, atTop.BarPanel.Bottom);
        var belowStrip = new Rect(0, stripBottom + 4, source.Width, source.Height - stripBottom - 4);
        Mat moved = new();
        for (var attempt = 0; attempt < 40; attempt++)
        {
            moved.Dispose();
            moved = Screenshot(window, folder.File("moved.png"));
            if (OverlayProbe.MeanDifference(moved, source, belowStrip) < 2 && OverlayProbe.MeanDifference(moved, source, atTop.BarPanel) > 20)
                break;
            await Task.Delay(250);
        }
        using (moved)
        {
            Assert.True(OverlayProbe.MeanDifference(moved, source, belowStrip) < 2, "after o the window still draws over the lower part of the video");
            Assert.True(OverlayProbe.MeanDifference(moved, source, atTop.BarPanel) > 20, "after o no bars are drawn at the top");
        }
        Xdotool("key", "q");

        Assert.Equal(ExitCodes.Success, await live.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("Live run ended", live.Output);
        Assert.DoesNotContain("Exception", live.Output);
        var snapshot = Assert.Single(Directory.GetFiles(folder.Path, "snapshot-live-still_avi-*.png"));
        using var saved = Cv2.ImRead(snapshot);
        Assert.Equal(source.Size(), saved.Size());
        Assert.True(OverlayProbe.MeanDifference(saved, source, clear) < 2);
        Assert.True(OverlayProbe.MeanDifference(saved, source, layout.BarPanel) > 20);
    }

    /// <summary>Two seconds of one unchanging picture (MJPG), so every frame shown equals the first one decoded.</summary>
    private static string StillVideo(string path)
    {
        using var writer = new VideoWriter(path, FourCC.MJPG, 30, new Size(640, 480));
        Assert.True(writer.IsOpened(), $"OpenCV could not open an MJPG writer for {path}");
        using var image = new Mat(480, 640, MatType.CV_8UC3);
        for (var y = 0; y < 480; y += 8)
            Cv2.Rectangle(image, new Rect(0, y, 640, 8), new Scalar(90 + y * 100 / 480, 140, 170 - y * 60 / 480), -1);
        Cv2.Circle(image, new Point(420, 240), 80, new Scalar(40, 170, 90), -1);
        for (var i = 0; i < 60; i++)
            writer.Write(image);
        return path;
    }

    private static Mat FirstFrame(string video)
    {
        using var capture = new VideoCapture(video);
        var frame = new Mat();
        Assert.True(capture.Read(frame) && !frame.Empty(), $"could not decode {video}");
        return frame;
    }

    private static async Task<string> FindWindowAsync(string title)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var (code, output) = RunTool("xdotool", "search", "--name", title);
            if (code == 0 && output.Split('\n', StringSplitOptions.RemoveEmptyEntries) is [var id, ..])
                return id.Trim();
            await Task.Delay(250);
        }
        throw new InvalidOperationException($"no window named '{title}' appeared on {Environment.GetEnvironmentVariable("DISPLAY")}");
    }

    private static Mat Screenshot(string window, string path)
    {
        var (code, output) = RunTool("import", "-window", window, path);
        Assert.True(code == 0, $"import failed: {output}");
        return Cv2.ImRead(path, ImreadModes.Color);
    }

    private static int WhitePixels(Mat image, Rect region)
    {
        using var roi = new Mat(image, region);
        using var white = new Mat();
        Cv2.InRange(roi, new Scalar(200, 200, 200), new Scalar(255, 255, 255), white);
        return Cv2.CountNonZero(white);
    }

    private static void Xdotool(params string[] arguments)
    {
        var (code, output) = RunTool("xdotool", arguments);
        Assert.True(code == 0, $"xdotool {string.Join(' ', arguments)} failed: {output}");
    }

    private static (int Code, string Output) RunTool(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 30 s");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }
}
