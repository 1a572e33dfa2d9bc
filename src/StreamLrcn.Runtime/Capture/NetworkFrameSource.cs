using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpenCvSharp;
using Microsoft.Extensions.Logging;
using StreamLrcn.Diagnostics;

namespace StreamLrcn.Capture;

/// <summary>
/// A network stream (RTSP, HTTP, HLS, anything ffmpeg reads) decoded by a system <c>ffmpeg</c>
/// child process that writes raw BGR frames to its stdout. The source never ends on its own: when
/// ffmpeg fails, the server closes the stream or the watchdog finds it frozen, the process is
/// killed and started again after an exponential backoff with jitter, and the first frame after
/// that carries <see cref="SourceReading.Discontinuity"/> so the stream's recurrent state starts
/// again. Only <see cref="Interrupt"/> (or <see cref="Dispose"/>) ends it.
/// <para>
/// The source owns its ffmpeg process from start to exit; <see cref="Dispose"/> leaves none
/// behind. Status changes are raised through <see cref="StatusChanged"/> on the capture thread.
/// Everything it prints has credentials removed from URLs.
/// </para>
/// <para>
/// <see cref="Read"/> starts the children, so it must always be called from one thread that lives as
/// long as the source (<see cref="CaptureStage"/>'s): a child dies with the thread that started it,
/// which is what makes it die with the daemon too, even on SIGKILL.
/// </para>
/// </summary>
public sealed class NetworkFrameSource : ILiveSource
{
    private const int StderrLinesKept = 4;
    private readonly NetworkSourceOptions _options;
    private readonly string _redactedUrl;
    private readonly Random _random;
    private readonly CancellationTokenSource _interrupt = new();
    private readonly Lock _gate = new();
    private readonly Queue<string> _stderrTail = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _watchdog;
    private Process? _process;
    private Process? _probe;
    private Stream? _stdout;
    private int _width;
    private int _height;
    private double _framesPerSecond;
    private long _lastProgress;
    private long _framesThisConnection;
    private int _verdict;
    private int _sinceKept;
    private int _failures;
    private bool _pendingDiscontinuity;
    private long _downSince;
    private long _framesReceived;
    private long _reconnects;
    private volatile StreamStatus _status = StreamStatus.Starting;

    private readonly ILogger _logger;

    private const int NoVerdict = 0, VerdictFrozen = 1, VerdictConnectTimeout = 2;

    /// <param name="random">Jitter source; injected so tests can fix it.</param>
    public NetworkFrameSource(NetworkSourceOptions options, Random? random = null, ILogger? logger = null)
    {
        _logger = logger ?? RuntimeLog.For<NetworkFrameSource>();
        options.Validate("stream");
        _options = options;
        _redactedUrl = UrlRedactor.Redact(options.Url);
        _random = random ?? Random.Shared;
        if (options is { Width: { } width, Height: { } height })
            (_width, _height) = (width, height);
        _framesPerSecond = options.FramesPerSecond ?? 0;
        var smallest = options.ConnectTimeout < options.FrozenAfter ? options.ConnectTimeout : options.FrozenAfter;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(smallest.TotalMilliseconds / 8, 20, 500));
        _watchdog = new Timer(_ => CheckWatchdog(), null, period, period);
    }

    public string Name => _options.Name;

    public double FramesPerSecond => _framesPerSecond / _options.Every;

    public long? ExpectedFrameCount => null;

    public NetworkSourceOptions Options => _options;

    public StreamStatus Status => _status;

    /// <summary>Frames ffmpeg delivered, including those skipped by <see cref="NetworkSourceOptions.Every"/>.</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Reconnect attempts made so far.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Raised on the capture thread when the stream goes up or down or a reconnect starts.</summary>
    public event Action<StreamStatusChange>? StatusChanged;

    public bool Read(Mat image, out SourceReading reading)
    {
        reading = default;
        while (!_interrupt.IsCancellationRequested)
        {
            if (_stdout is null && !Connect())
                return false;
            if (ReadFrame(image))
            {
                reading = new SourceReading(_clock.Elapsed, _pendingDiscontinuity);
                _pendingDiscontinuity = false;
                return true;
            }
            if (_interrupt.IsCancellationRequested)
                break;
            OnConnectionLost();
        }
        return false;
    }

    /// <summary>Waits out the backoff, probes the stream's size once, starts ffmpeg. False when interrupted.</summary>
    private bool Connect()
    {
        while (!_interrupt.IsCancellationRequested)
        {
            if (_failures > 0)
            {
                var delay = _options.Backoff.DelayFor(_failures, _random);
                Interlocked.Increment(ref _reconnects);
                _logger.LogDebug("Stream {Stream}: reconnect attempt {Attempt} in {Delay:0.00} s", Name, _failures, delay.TotalSeconds);
                Raise(StreamEventKind.Reconnecting, null, delay, null);
                if (_interrupt.Token.WaitHandle.WaitOne(delay))
                    return false;
            }
            var failure = _width == 0 ? Probe() : null;
            if (failure is null)
            {
                StartProcess();
                return true;
            }
            if (_interrupt.IsCancellationRequested)
                return false;
            _failures++;
            GoDown(StreamEventKind.Down, failure);
        }
        return false;
    }

    /// <summary>Reads the next kept frame straight into the image's pixels. False when ffmpeg's output ended.</summary>
    private unsafe bool ReadFrame(Mat image)
    {
        image.Create(_height, _width, MatType.CV_8UC3);
        var size = _width * _height * 3;
        var pixels = new Span<byte>((void*)image.Data, size);
        while (true)
        {
            try
            {
                if (_stdout!.ReadAtLeast(pixels, size, throwOnEndOfStream: false) < size)
                    return false;
            }
            catch (IOException)
            {
                // The pipe broke under the read (ffmpeg killed mid-frame): the connection is lost, which the caller handles.
                return false;
            }
            Interlocked.Exchange(ref _lastProgress, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _framesReceived);
            if (Interlocked.Increment(ref _framesThisConnection) == 1)
                OnUp();
            if (++_sinceKept >= _options.Every)
            {
                _sinceKept = 0;
                return true;
            }
        }
    }

    private void OnUp()
    {
        TimeSpan? downFor = _status == StreamStatus.Down ? Stopwatch.GetElapsedTime(_downSince) : null;
        _failures = 0;
        _status = StreamStatus.Up;
        if (downFor is { } d)
            _logger.LogInformation("Stream {Stream} up again after {Seconds:0.0} s down: {Width}x{Height} from {Url}", Name, d.TotalSeconds, _width, _height, _redactedUrl);
        else
            _logger.LogInformation("Stream {Stream} up: {Width}x{Height} from {Url}", Name, _width, _height, _redactedUrl);
        Raise(StreamEventKind.Up, null, null, downFor);
    }

    private void OnConnectionLost()
    {
        var verdict = Volatile.Read(ref _verdict);
        var exit = StopProcess();
        var c = CultureInfo.InvariantCulture;
        string reason;
        if (verdict == VerdictFrozen)
            reason = string.Create(c, $"frozen: no frame for {_options.FrozenAfter.TotalSeconds:0.##} s");
        else if (verdict == VerdictConnectTimeout)
            reason = string.Create(c, $"no frame within the connect timeout of {_options.ConnectTimeout.TotalSeconds:0.##} s");
        else
            reason = exit;
        _failures++;
        _pendingDiscontinuity = true;
        GoDown(verdict == VerdictFrozen ? StreamEventKind.Frozen : StreamEventKind.Down, reason);
    }

    private void GoDown(StreamEventKind kind, string reason)
    {
        if (_status == StreamStatus.Down)
        {
            // Still down: each failed attempt is a debug detail; the outage was reported when it began.
            _logger.LogDebug("Stream {Stream} still down (attempt {Attempt}): {Reason}", Name, _failures, reason);
            return;
        }
        _status = StreamStatus.Down;
        _downSince = Stopwatch.GetTimestamp();
        _logger.LogWarning("Stream {Stream} down ({Url}): {Reason}", Name, _redactedUrl, reason);
        Raise(kind, reason, null, null);
    }

    private void Raise(StreamEventKind kind, string? reason, TimeSpan? retryIn, TimeSpan? downFor) =>
        StatusChanged?.Invoke(new StreamStatusChange(Name, _status, kind, reason, _failures, retryIn, downFor));

    /// <summary>Asks ffprobe for the stream's frame size and rate; returns why it failed, or null.</summary>
    private string? Probe()
    {
        var lines = new List<string>();
        using var probe = Start("ffprobe", FfmpegCommandLine.Ffprobe(_options), FfmpegCommandLine.InputScript(_options), line =>
        {
            lock (lines)
                lines.Add(line);
        });
        lock (_gate)
            _probe = probe;
        try
        {
            if (_interrupt.IsCancellationRequested)
                Kill(probe);
            if (!probe.WaitForExit(_options.ConnectTimeout + TimeSpan.FromSeconds(1)))
            {
                Kill(probe);
                probe.WaitForExit();
                return string.Create(CultureInfo.InvariantCulture, $"ffprobe found no video within the connect timeout of {_options.ConnectTimeout.TotalSeconds:0.##} s");
            }
            probe.WaitForExit(); // and for its output to be read
        }
        finally
        {
            lock (_gate)
                _probe = null;
        }
        string line;
        lock (lines)
            line = lines.Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        var parts = line.Split(',');
        if (probe.ExitCode != 0 || parts.Length < 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height) || width <= 0 || height <= 0)
            return probe.ExitCode != 0 ? $"ffprobe failed: {StderrSummary()}" : $"ffprobe found no video stream (it printed '{UrlRedactor.Redact(line)}')";
        (_width, _height) = (width, height);
        if (_options.FramesPerSecond is null && parts.Length >= 3 && parts[2].Split('/') is [var n, var d]
            && double.TryParse(n, CultureInfo.InvariantCulture, out var num) && double.TryParse(d, CultureInfo.InvariantCulture, out var den) && den > 0)
            _framesPerSecond = num / den;
        _logger.LogDebug("Stream {Stream}: probed {Width}x{Height} at {Fps:0.##} fps", Name, width, height, _framesPerSecond);
        return null;
    }

    private void StartProcess()
    {
        var process = Start("ffmpeg", FfmpegCommandLine.Ffmpeg(_options, _width, _height), FfmpegCommandLine.InputScript(_options), stdoutLines: null);
        lock (_gate)
        {
            _process = process;
            _stdout = process.StandardOutput.BaseStream;
            Interlocked.Exchange(ref _framesThisConnection, 0);
            Volatile.Write(ref _verdict, NoVerdict);
            Interlocked.Exchange(ref _lastProgress, Stopwatch.GetTimestamp());
        }
        if (_interrupt.IsCancellationRequested)
            Kill(process);
    }

    /// <summary>Starts a child on the calling thread, the capture thread, whose end kills the child (see <see cref="ParentDeathSignal"/>).</summary>
    /// <param name="stdin">Written to the child's stdin, which is then closed (the input script); null: no stdin.</param>
    /// <param name="stdoutLines">Receives stdout line by line (ffprobe); null leaves stdout to be read as raw bytes (ffmpeg's frames).</param>
    private Process Start(string program, IReadOnlyList<string> arguments, string? stdin, Action<string>? stdoutLines)
    {
        var info = ParentDeathSignal.StartInfo(program, arguments);
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = stdin is not null;
        info.StandardInputEncoding = stdin is null ? null : new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        info.CreateNoWindow = true;
        lock (_stderrTail)
            _stderrTail.Clear();
        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) => OnStderr(program, e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new FrameSourceException($"stream {Name}: cannot start '{program}' ({ex.Message}); install ffmpeg (scripts/install-deps.sh does)", ex);
        }
        process.BeginErrorReadLine();
        if (stdin is not null)
            WriteAndClose(process, stdin);
        if (stdoutLines is not null)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                    stdoutLines(e.Data);
            };
            process.BeginOutputReadLine();
        }
        return process;
    }

    private static void WriteAndClose(Process process, string stdin)
    {
        try
        {
            // A few hundred bytes: the pipe takes them at once, whether or not the child reads yet.
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child exited before reading its input; its exit code and stderr say why, as for any failed start.
        }
    }

    private void OnStderr(string program, string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        var redacted = UrlRedactor.Redact(line.Trim());
        _logger.LogDebug("Stream {Stream} {Program}: {Line}", Name, program, redacted);
        lock (_stderrTail)
        {
            _stderrTail.Enqueue(redacted);
            while (_stderrTail.Count > StderrLinesKept)
                _stderrTail.Dequeue();
        }
    }

    private string StderrSummary()
    {
        lock (_stderrTail)
            return _stderrTail.Count == 0 ? "no message" : string.Join(" | ", _stderrTail);
    }

    /// <summary>Kills ffmpeg if it still runs, waits for it and says how it ended.</summary>
    private string StopProcess()
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
            _process = null;
            _stdout = null;
        }
        if (process is null)
            return "not running";
        using (process)
        {
            // ffmpeg has usually exited on its own by now (refused, not found, server gone); give it a moment to say why.
            if (!process.WaitForExit(TimeSpan.FromSeconds(1)))
                Kill(process);
            process.WaitForExit();
            var summary = StderrSummary();
            return process.ExitCode == 0
                ? "the server ended the stream"
                : string.Create(CultureInfo.InvariantCulture, $"ffmpeg exited with code {process.ExitCode}: {summary}");
        }
    }

    private void CheckWatchdog()
    {
        lock (_gate)
        {
            if (_process is null || Volatile.Read(ref _verdict) != NoVerdict)
                return;
            var connecting = Interlocked.Read(ref _framesThisConnection) == 0;
            var limit = connecting ? _options.ConnectTimeout : _options.FrozenAfter;
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastProgress)) < limit)
                return;
            Volatile.Write(ref _verdict, connecting ? VerdictConnectTimeout : VerdictFrozen);
            Kill(_process);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill: nothing is left to stop.
        }
    }

    public void Interrupt()
    {
        _interrupt.Cancel();
        lock (_gate)
        {
            if (_process is not null)
                Kill(_process);
            if (_probe is not null)
                Kill(_probe);
        }
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        Interrupt();
        StopProcess();
        _interrupt.Dispose();
    }
}
