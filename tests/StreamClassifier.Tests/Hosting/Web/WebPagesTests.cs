using Microsoft.Playwright;
using StreamLrcn.Tests.Support;
using Xunit.Abstractions;

namespace StreamLrcn.Tests.Hosting.Web;

/// <summary>
/// The pages in a real headless Chromium (Debian's <c>chromium</c>, driven by Playwright with
/// <c>ExecutablePath</c> set, since browsers cannot be downloaded here) against the real daemon and
/// the real RTSP server: the grid shows the camera's still and label, the camera page's MJPEG
/// picture changes, an event opens and its clip plays to the end.
/// </summary>
public sealed class WebPagesTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const int Fps = 5;
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-pages-").FullName;

    /// <summary>Chromium with the flags a headless run as root in a container needs.</summary>
    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Chromium,
        Headless = true,
        Args = ["--no-sandbox", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required"],
    });

    [SkippableFact]
    public async Task Grid_camera_page_and_events_page_work_in_a_real_chromium()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (Debian package chromium; scripts/install-deps.sh installs it)");
        using var server = RtspTestServer.Start(["cam0"], fps: Fps);
        var port = FreePort.Next();
        using var daemon = MonitorProcess.Start(_directory, WebDaemonConfig.Yaml([("cam0", server.Url("cam0"))], port, Fps,
            recording: "  folder: data\n  preCaptureSeconds: 1\n  postCaptureSeconds: 1", minDurationSeconds: 1.2));
        var site = $"http://127.0.0.1:{port}";
        await Eventually.True(() => daemon.Events().Any(e => e.GetProperty("type").GetString() == "label"), Patience, "the first label event");
        var labels = File.ReadAllText(Path.Combine(RepoPaths.DefaultModel, "manifest.json"));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add($"{m.Text} ({m.Location})"); };

        // Grid: the camera's tile with a loaded still, refreshed, and a label the model knows.
        await page.GotoAsync(site + "/");
        var tile = page.Locator("a.tile[data-camera=cam0]");
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('a.tile[data-camera=cam0] img'); return i && i.naturalWidth > 0 && Number(i.dataset.loads) >= 2; }",
            null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Equal(240, await tile.Locator("img").EvaluateAsync<int>("i => i.naturalHeight"));
        var caption = await tile.Locator(".label").InnerTextAsync();
        var shown = caption.Split(' ')[0];
        Assert.Contains($"\"{shown}\"", labels);
        Assert.Matches(@"^\S+ \d{1,3}%$", caption);

        // Camera page: the MJPEG picture changes while we watch (pixels compared through a canvas).
        await tile.ClickAsync();
        await page.WaitForURLAsync("**/camera.html?name=cam0");
        await page.WaitForFunctionAsync("() => document.getElementById('live').naturalWidth > 0", null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        const string pixels = "() => { const i = document.getElementById('live'); const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight; const g = c.getContext('2d'); g.drawImage(i, 0, 0); return Array.from(g.getImageData(0, 0, c.width, c.height).data.filter((_, k) => k % 97 == 0)).join(','); }";
        var before = await page.EvaluateAsync<string>(pixels);
        await page.WaitForFunctionAsync($"previous => ({pixels})() !== previous", before, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Equal(160, await page.EvaluateAsync<int>("() => document.getElementById('live').naturalWidth"));
        // The last hour's timeline has a band per label stretch, and the camera's events are listed.
        await page.WaitForSelectorAsync("#timeline .band", new PageWaitForSelectorOptions { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Contains($"\"{await page.Locator("#timeline .band").First.GetAttributeAsync("data-label")}\"", labels);

        // An event with a clip: open it from the camera page, play the clip to its end.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#events a.event').length > 0", null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        var withClip = await Eventually.Get(() => FirstEventWithClip(site), Patience, "an event whose clip is written");
        await page.GotoAsync($"{site}/events.html?id={withClip}");
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('clip'); return !v.hidden && v.readyState >= 2; }", null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Equal(160, await page.EvaluateAsync<int>("() => document.getElementById('clip').videoWidth"));
        var duration = await page.EvaluateAsync<double>("() => document.getElementById('clip').duration");
        await page.EvaluateAsync("() => { const v = document.getElementById('clip'); window.__ended = false; v.addEventListener('ended', () => window.__ended = true); return v.play(); }");
        await page.WaitForFunctionAsync("() => window.__ended === true", null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        var played = await page.EvaluateAsync<double>("() => document.getElementById('clip').currentTime");
        output.WriteLine($"event {withClip}: clip of {duration:0.00} s played to {played:0.00} s");
        Assert.Equal(duration, played, 2);
        Assert.InRange(duration, 1.0, 3.0);
        Assert.Equal(1, await page.Locator($".event.selected[data-event='{withClip}']").CountAsync());

        // Retain from the page: the API reports it.
        await page.ClickAsync("#retain");
        await page.WaitForFunctionAsync("() => document.getElementById('retain').textContent.startsWith('Retained')");
        using (var http = new HttpClient())
            Assert.Contains("\"retain_indefinitely\":true", await http.GetStringAsync($"{site}/api/events/{withClip}"));

        Assert.Empty(errors);
        daemon.Signal(Posix.SigTerm);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, daemon.ExitCode);
    }

    private static string? FirstEventWithClip(string site)
    {
        using var http = new HttpClient();
        var events = System.Text.Json.JsonDocument.Parse(http.GetStringAsync($"{site}/api/events?kind=label").GetAwaiter().GetResult()).RootElement;
        return events.EnumerateArray().Where(e => e.GetProperty("has_clip").GetBoolean()).Select(e => e.GetProperty("id").GetInt64().ToString()).FirstOrDefault();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
