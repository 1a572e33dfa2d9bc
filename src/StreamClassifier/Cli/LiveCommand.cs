using System.CommandLine;
using System.Diagnostics;
using System.Threading.Channels;
using OpenCvSharp;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Overlay;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;

namespace StreamLrcn.Cli;

/// <summary>
/// <c>live --source 0|FILE|FOLDER|pattern</c>: a window shows the source with the overlay. The
/// window is driven from the main thread (HighGUI requires it; the command's action is
/// synchronous, so Program's synchronous invocation keeps it there); the pipeline runs behind it
/// in live mode and hands frames over through a capacity-1 drop-oldest channel, so it never waits
/// for the window. Keys: q/Esc quit, space pause the display, r reset the recurrent state, s save
/// a snapshot PNG, o move the overlay between the bottom and the top edge.
/// </summary>
public static class LiveCommand
{
    /// <summary>Without a label for this long, a running stream is shown as reconnecting.</summary>
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(2);

    /// <summary>Frames larger than this are scaled down to fit the screen (the overlay is drawn before scaling).</summary>
    private static readonly Size MaxWindow = new(1280, 800);

    public static Command Create()
    {
        var source = new Option<string>("--source", "-s")
        {
            Description = "Camera index (0), video file, image folder or 'pattern' / 'pattern:endless'. Recorded sources play at their own frame rate.",
            DefaultValueFactory = _ => "0",
        };
        var output = new Option<string?>("--out", "-o") { Description = "Also write the labels to a .jsonl or .csv file." };
        var snapshots = new Option<string>("--snapshots") { Description = "Folder for snapshots taken with the s key.", DefaultValueFactory = _ => "." };
        var folderFps = new Option<double>("--folder-fps") { Description = "Frame rate of image folders.", DefaultValueFactory = _ => 30 }.RequirePositiveRate();
        var overlayPosition = PipelineArguments.OverlayPositionOption();
        var arguments = new PipelineArguments();
        var command = new Command("live", "Show a camera (or any source) in a window with the labels drawn over it. Keys: q/Esc quit, space pause, r reset state, s snapshot, o move the overlay.")
        {
            source, output, snapshots, folderFps, overlayPosition,
        };
        arguments.AddTo(command);
        command.SetAction(result => Run(result.GetValue(source)!, result.GetValue(output), result.GetValue(snapshots)!, result.GetValue(folderFps),
            result.GetValue(overlayPosition), arguments, result));
        return command;
    }

    private static int Run(string sourceSpec, string? output, string snapshots, double folderFps, OverlayPosition overlayPosition, PipelineArguments arguments, ParseResult result)
    {
        ModelPackage package;
        PipelineOptions options;
        IFrameSource source;
        try
        {
            package = arguments.LoadModel(result);
            options = arguments.ToOptions(result, package) with { Mode = PipelineMode.Live };
            // One live stream gains nothing from batching (on CPU a frame costs the same in any
            // batch; on a GPU one camera is far below its throughput), and every frame a batch
            // waits for is latency on screen: batches of one unless --batch says otherwise.
            if (result.GetValue(arguments.Batch) is null)
                options = options with { Batching = (options.Batching ?? BatchingOptions.Cpu) with { MaxBatchSize = 1 } };
            source = OpenSource(sourceSpec, folderFps);
        }
        catch (Exception ex) when (ex is ModelPackageException or FrameSourceException or FormatException or ArgumentException)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.InvalidSetup;
        }
        if (OperatingSystem.IsLinux() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
        {
            source.Dispose();
            Log.Error("live needs a display for its window, and neither DISPLAY nor WAYLAND_DISPLAY is set (run it in a desktop session, under xvfb-run, or use replay --annotate)");
            return ExitCodes.InvalidSetup;
        }

        Log.Information("Model {Model} ({Labels}), {Trained}", package.Manifest.Name, string.Join(", ", package.Labels),
            package.Manifest.Trained ? "trained" : "UNTRAINED placeholder weights");
        // The window shows only the newest labelled frame; an older one still waiting is replaced
        // and disposed here, the only place that sees it.
        var display = Channel.CreateBounded<LabelledFrame>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped => dropped.Dispose());
        var sinks = new List<ILabelSink> { new LiveDisplaySink(display.Writer, options.Temporal.Window) };
        try
        {
            if (output is not null)
                sinks.Add(LabelSinkFactory.Create(output, package.Labels));
            using var pipeline = new ClassificationPipeline(package, options, sinks);
            var window = new LiveWindow(source.Name, package.Labels, options.Temporal.Window, snapshots, overlayPosition);
            using var stop = new CancellationTokenSource();
            var running = pipeline.RunAsync([source], stop.Token);
            try
            {
                window.Run(display.Reader, running, pipeline.RequestReset);
            }
            finally
            {
                display.Writer.TryComplete();
                stop.Cancel();
                var run = Wait(running);
                window.Dispose();
                while (display.Reader.TryRead(out var left))
                    left.Dispose();
                if (run is not null)
                    Log.Information("Live run ended: {Frames} frames labelled, {Dropped} dropped to stay current", run.FramesLabelled, run.Streams.Sum(s => s.FramesDropped));
            }
            return running.IsCompletedSuccessfully && running.Result.AnyStreamFailed ? ExitCodes.InputFailed : ExitCodes.Success;
        }
        catch (Exception ex) when (ex is DeviceUnavailableException or ModelPackageException or ArgumentException)
        {
            Log.Error("{Message}", ex.Message);
            return ExitCodes.InvalidSetup;
        }
    }

    /// <summary>
    /// Opens what the user named. A camera is live already; anything recorded is paced to its own
    /// frame rate so it plays in real time. Network URLs: <see cref="FrameSourceFactory"/> decides
    /// (they are read through the monitor daemon's ffmpeg ingest); when it returns a source for
    /// one, the live window shows it unpaced like a camera.
    /// </summary>
    private static IFrameSource OpenSource(string spec, double folderFps)
    {
        var source = FrameSourceFactory.Open(spec, folderFps);
        return source is CameraSource || spec.Contains("://", StringComparison.Ordinal) ? source : new PacedFrameSource(source);
    }

    /// <summary>The pipeline's end, once the window has let go. It ends promptly: cancellation stops every stage.</summary>
    private static PipelineResult? Wait(Task<PipelineResult> running)
    {
        try
        {
            return running.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The HighGUI window and its loop; every call happens on the thread that runs <see cref="Run"/>.</summary>
    private sealed class LiveWindow(string streamName, IReadOnlyList<string> labels, int windowSize, string snapshotFolder, OverlayPosition overlayPosition) : IDisposable
    {
        private readonly string _title = $"StreamLrcn - {streamName}";
        private readonly OverlayRenderer _renderer = new(labels, overlayPosition);
        private readonly Mat _canvas = new();
        private readonly Mat _shown = new();
        private LabelledFrame? _current;
        private long _currentArrival;
        private bool _created;

        public void Run(ChannelReader<LabelledFrame> display, Task<PipelineResult> running, Action requestReset)
        {
            var quit = false;
            ConsoleCancelEventHandler interrupt = (_, e) =>
            {
                e.Cancel = true;
                Volatile.Write(ref quit, true);
            };
            Console.CancelKeyPress += interrupt;
            try
            {
                Cv2.NamedWindow(_title, WindowFlags.AutoSize);
                _created = true;
                var paused = false;
                StreamState? shownState = null;
                var endLogged = false;
                while (!Volatile.Read(ref quit))
                {
                    var fresh = false;
                    if (!paused && display.TryRead(out var next))
                    {
                        if (_current is null)
                            Log.Information("Showing {Stream}: first labelled frame on screen", streamName);
                        _current?.Dispose();
                        _current = next;
                        _currentArrival = Stopwatch.GetTimestamp();
                        fresh = true;
                    }

                    var state = StateOf(running, paused, display);
                    if (state is StreamState.Ended or StreamState.Failed && !endLogged)
                    {
                        endLogged = true;
                        if (running.Exception is { } fault)
                            Log.Error("The pipeline stopped: {Message}; press q to close the window", fault.GetBaseException().Message);
                        else
                            Log.Information("Stream {Stream} {State}; press q to close the window", streamName, state == StreamState.Failed ? "failed" : "ended");
                    }
                    if (fresh || state != shownState)
                    {
                        Render(state);
                        Cv2.ImShow(_title, _shown);
                        shownState = state;
                    }

                    var key = Cv2.WaitKey(10) & 0xFF;
                    switch (key)
                    {
                        case 'q' or 'Q' or 27:
                            quit = true;
                            break;
                        case ' ':
                            paused = !paused;
                            Log.Information("Display {State}", paused ? "paused (the pipeline keeps running)" : "resumed");
                            break;
                        case 'r' or 'R':
                            requestReset();
                            Log.Information("Recurrent state reset requested");
                            break;
                        case 's' or 'S':
                            Snapshot();
                            break;
                        case 'o' or 'O':
                            _renderer.Position = _renderer.Position == OverlayPosition.Bottom ? OverlayPosition.Top : OverlayPosition.Bottom;
                            Render(state);
                            Cv2.ImShow(_title, _shown);
                            Log.Information("Overlay moved to the {Edge}", _renderer.Position.ToString().ToLowerInvariant());
                            break;
                    }
                    // The window's close button. The GTK backend answers -1 to WND_PROP_VISIBLE whether
                    // the window is there or not, but every property reads -1 once the window is gone.
                    if (Cv2.GetWindowProperty(_title, WindowPropertyFlags.AutoSize) < 0)
                        quit = true;
                }
            }
            finally
            {
                Console.CancelKeyPress -= interrupt;
            }
        }

        private StreamState StateOf(Task<PipelineResult> running, bool paused, ChannelReader<LabelledFrame> display)
        {
            if (running.IsCompleted && !display.TryPeek(out _))
                return running.IsCompletedSuccessfully && !running.Result.AnyStreamFailed ? StreamState.Ended : StreamState.Failed;
            if (_current is null)
                return StreamState.Connecting;
            if (paused)
                return StreamState.Paused;
            return Stopwatch.GetElapsedTime(_currentArrival) > StallAfter ? StreamState.Reconnecting : StreamState.Live;
        }

        private void Render(StreamState state)
        {
            if (_current is null)
            {
                // Nothing labelled yet: a dark frame that says so.
                _canvas.Create(480, 640, MatType.CV_8UC3);
                _canvas.SetTo(Scalar.Black);
                _renderer.Draw(_canvas, new OverlayContent(streamName, state, null, null, 0, 0, windowSize, streamName));
            }
            else
            {
                _current.Frame.Image.CopyTo(_canvas);
                _renderer.Draw(_canvas, _current.Content with { State = state });
            }
            var scale = Math.Min(1.0, Math.Min((double)MaxWindow.Width / _canvas.Width, (double)MaxWindow.Height / _canvas.Height));
            if (scale < 1)
                Cv2.Resize(_canvas, _shown, new Size(), scale, scale, InterpolationFlags.Area);
            else
                _canvas.CopyTo(_shown);
        }

        private void Snapshot()
        {
            if (_current is null)
            {
                Log.Warning("No frame on screen yet: nothing to save");
                return;
            }
            Directory.CreateDirectory(snapshotFolder);
            var name = new string(streamName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
            var path = Path.Combine(snapshotFolder, $"snapshot-{name}-{_current.Frame.Header.Sequence:D6}.png");
            if (!Cv2.ImWrite(path, _canvas))
                Log.Error("Could not write snapshot {Path}", path);
            else
                Log.Information("Snapshot of frame {Frame} saved to {Path}", _current.Frame.Header.Sequence, path);
        }

        public void Dispose()
        {
            if (_created)
            {
                Cv2.DestroyWindow(_title);
                // HighGUI processes the destruction in its event loop.
                Cv2.WaitKey(1);
            }
            _current?.Dispose();
            _canvas.Dispose();
            _shown.Dispose();
        }
    }
}
