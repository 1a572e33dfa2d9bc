using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using OpenCvSharp;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Overlay;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// Keeps each camera's recent labelled frames (as JPEG, in a <see cref="CameraRing"/>) for the
/// live view, and turns label events into files: a snapshot with the overlay, a clean one, and an
/// MP4 of the camera's frames from <see cref="ClipWindow.Pre"/> before the event's frame to
/// <see cref="ClipWindow.Post"/> after it. Frames come from the pipeline's sink thread, which must
/// never wait: they go through a small drop-oldest queue (a dropped frame is disposed and counted)
/// to the recorder's loop, which encodes them. Clips are written by a second loop through the
/// project's video encoder (ffmpeg, H.264), to a temporary name first, so a clip that exists is whole.
/// Owns the frames it is given and the files it writes.
/// </summary>
public sealed class FrameRecorder : IAsyncDisposable
{
    /// <summary>Frames the ring keeps per camera at most, whatever the window (25 fps × 60 s).</summary>
    private const int MaxFramesPerCamera = 1500;

    private readonly CameraRing[] _rings;
    private readonly ClipWindow[] _windows;
    private readonly Dictionary<string, int> _byName;
    private readonly EventMedia _media;
    private readonly OverlayRenderer _renderer;
    private readonly Lock _overlayGate = new();
    private readonly int[] _jpegParameters;
    private readonly Channel<Item> _items;
    private readonly Channel<ClipJob> _clips;
    private readonly Dictionary<(string Camera, DateTimeOffset Time), EventCapture> _captures = [];
    private readonly List<PendingClip>[] _pending;
    private readonly (int? Label, float Confidence)[] _windowLabels;
    private readonly Stretch?[] _stretches;
    private readonly Action<string, double>? _stretchEnded;
    private readonly VideoEncoderFactory _encoders;
    private readonly Task _recording;
    private readonly Task _writing;
    private readonly Rendering?[] _lastRenders;
    private long _framesDropped;
    private long _clipsWritten;
    private long _clipsFailed;

    /// <param name="stretchEnded">
    /// Called on the recorder's loop when a label event's stretch ends (the camera's next label
    /// event, or a reconnect), with the event's media name and the mean probability of its label over
    /// the stretch's frames.
    /// </param>
    public FrameRecorder(IReadOnlyList<(string Name, ClipWindow Window)> cameras, IReadOnlyList<string> labels, EventMedia media, int jpegQuality, VideoEncoderFactory encoders,
        Action<string, double>? stretchEnded = null)
    {
        _stretches = new Stretch?[cameras.Count];
        _stretchEnded = stretchEnded;
        _windows = cameras.Select(c => c.Window).ToArray();
        _rings = cameras.Select(c => new CameraRing(c.Name, c.Window.Pre + c.Window.Post + TimeSpan.FromSeconds(2), MaxFramesPerCamera)).ToArray();
        _byName = cameras.Select((c, i) => (c.Name, i)).ToDictionary(c => c.Name, c => c.i, StringComparer.Ordinal);
        _pending = cameras.Select(_ => new List<PendingClip>()).ToArray();
        _windowLabels = new (int?, float)[cameras.Count];
        _lastRenders = new Rendering?[cameras.Count];
        _media = media;
        _renderer = new OverlayRenderer(labels);
        _jpegParameters = [(int)ImwriteFlags.JpegQuality, jpegQuality];
        _encoders = encoders;
        _items = Channel.CreateBounded<Item>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true }, Dropped);
        _clips = Channel.CreateBounded<ClipJob>(new BoundedChannelOptions(32) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        _recording = Task.Run(RecordAsync);
        _writing = Task.Run(WriteClipsAsync);
    }

    /// <summary>The cameras, in config order.</summary>
    public IReadOnlyList<string> Cameras => _rings.Select(r => r.Camera).ToArray();

    /// <summary>Frames the recorder could not keep up with (the ring misses them; the labels do not).</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    public long ClipsWritten => Interlocked.Read(ref _clipsWritten);

    public long ClipsFailed => Interlocked.Read(ref _clipsFailed);

    /// <summary>True when <paramref name="camera"/> is one of the configured cameras (the only names a request may use).</summary>
    public bool IsCamera(string camera) => _byName.ContainsKey(camera);

    /// <summary>Hands over a labelled frame (the recorder disposes it). Never blocks.</summary>
    public void Post(FrameLabel label, Frame frame)
    {
        if (!_items.Writer.TryWrite(new Item(label, frame, null)))
            frame.Dispose();
    }

    /// <summary>
    /// Records that <paramref name="label"/>'s frame set a label event at <paramref name="time"/>:
    /// the snapshots and the clip are written in the background, under the media name that
    /// <see cref="PeekCapture"/> gives the event store. Call it after <see cref="Post"/> of that frame.
    /// </summary>
    public void CaptureEvent(FrameLabel label, DateTimeOffset time)
    {
        var camera = label.Header.Stream.Name;
        var capture = new EventCapture(EventMedia.NameFor(camera, time), label.Header.Sequence);
        lock (_captures)
        {
            // The store takes each within moments; this only bounds the map should the store be down.
            if (_captures.Count >= 4096)
                _captures.Remove(_captures.Keys.First());
            _captures[(camera, time)] = capture;
        }
        if (!_items.Writer.TryWrite(new Item(label, null, capture)))
            Log.Warning("Camera {Camera}: recorder queue closed, no snapshot for the event at {Time}", camera, time);
    }

    /// <summary>The capture of <paramref name="camera"/>'s label event at <paramref name="time"/>, if the recorder saw it.</summary>
    public EventCapture? PeekCapture(string camera, DateTimeOffset time)
    {
        lock (_captures)
            return _captures.GetValueOrDefault((camera, time));
    }

    public void ForgetCapture(string camera, DateTimeOffset time)
    {
        lock (_captures)
            _captures.Remove((camera, time));
    }

    /// <summary>The newest frame of <paramref name="camera"/>, or null before its first.</summary>
    public RecordedFrame? Latest(string camera) => _byName.TryGetValue(camera, out var i) ? _rings[i].Newest : null;

    /// <summary>Frames a second of <paramref name="camera"/> kept between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public double RateOf(string camera, DateTimeOffset from, DateTimeOffset to) => _byName.TryGetValue(camera, out var i) ? _rings[i].RateOver(from, to) : 0;

    /// <summary>
    /// <paramref name="frame"/> as JPEG: as kept when neither an overlay nor a height is asked for,
    /// otherwise decoded, drawn on and scaled to <paramref name="height"/> pixels (width in proportion).
    /// </summary>
    public byte[] Render(RecordedFrame frame, bool overlay, int? height)
    {
        if (!overlay && (height is null || height == frame.Height))
            return frame.Jpeg;
        // Every viewer of a camera asks for its newest frame: the last rendering serves them all.
        var camera = frame.Label.Header.Stream.Id;
        if (Volatile.Read(ref _lastRenders[camera]) is { } last && ReferenceEquals(last.Frame, frame) && last.Overlay == overlay && last.Height == height)
            return last.Jpeg;
        var jpeg = RenderNew(frame, overlay, height);
        Volatile.Write(ref _lastRenders[camera], new Rendering(frame, overlay, height, jpeg));
        return jpeg;
    }

    private byte[] RenderNew(RecordedFrame frame, bool overlay, int? height)
    {
        using var image = Cv2.ImDecode(frame.Jpeg, ImreadModes.Color);
        if (overlay)
            DrawOverlay(image, frame);
        if (height is { } h && h != image.Height)
        {
            var width = Math.Max(2, (int)Math.Round(image.Width * (double)h / image.Height));
            Cv2.Resize(image, image, new Size(width, h), interpolation: InterpolationFlags.Area);
        }
        return image.ImEncode(".jpg", _jpegParameters);
    }

    private void DrawOverlay(Mat image, RecordedFrame frame)
    {
        var label = frame.Label;
        var detail = string.Create(CultureInfo.InvariantCulture, $"{frame.WallTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC  frame {frame.Sequence}");
        // The renderer caches its layout per frame size: one drawing at a time.
        lock (_overlayGate)
            _renderer.Draw(image, new OverlayContent(label.Header.Stream.Name, StreamState.Live, label, frame.WindowLabel, frame.WindowConfidence, 0, 0, detail));
    }

    private void Dropped(Item item)
    {
        item.Frame?.Dispose();
        if (item.Capture is { } capture)
            Log.Warning("Recorder queue full: the snapshot of event {Media} is lost", capture.Media);
        else
            Interlocked.Increment(ref _framesDropped);
    }

    private async Task RecordAsync()
    {
        await foreach (var item in _items.Reader.ReadAllAsync())
        {
            try
            {
                if (item.Frame is { } frame)
                {
                    using (frame)
                        Keep(item.Label, frame);
                }
                else if (item.Capture is { } capture)
                {
                    Capture(item.Label, capture);
                }
            }
            catch (Exception ex) when (ex is OpenCVException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                // One frame or one file that fails must not end the recording of every camera.
                Log.Warning("Camera {Camera}: recorder failed on frame {Frame}: {Reason}", item.Label.Header.Stream.Name, item.Label.Header.Sequence, ex.Message);
            }
        }
        // Stopping: the clips still waiting for their post window get what there is, the stretches end.
        for (var camera = 0; camera < _pending.Length; camera++)
        {
            EndStretch(camera);
            foreach (var pending in _pending[camera])
                QueueClip(camera, pending);
            _pending[camera].Clear();
        }
        _clips.Writer.TryComplete();
    }

    private void Keep(FrameLabel label, Frame frame)
    {
        var camera = label.Header.Stream.Id;
        var time = TimeOf(label.Header);
        var segment = label.Header.Segment;
        // Clips whose window this frame closes are cut before the ring moves on.
        var pending = _pending[camera];
        for (var i = pending.Count - 1; i >= 0; i--)
        {
            if (pending[i].Segment != segment || time >= pending[i].Time + _windows[camera].Post)
            {
                QueueClip(camera, pending[i]);
                pending.RemoveAt(i);
            }
        }
        if (label.Reset != ResetReason.None)
            _windowLabels[camera] = (null, 0);
        if (label.Reset == ResetReason.Discontinuity)
            EndStretch(camera);
        if (_stretches[camera] is { } stretch)
            stretch.Add(label.Probabilities[stretch.Label]);
        if (label.WindowLabelIndex is { } window && label.WindowProbabilities is { } probabilities)
            _windowLabels[camera] = (window, probabilities[window]);
        var jpeg = frame.Image.ImEncode(".jpg", _jpegParameters);
        var (windowLabel, windowConfidence) = _windowLabels[camera];
        _rings[camera].Add(new RecordedFrame(label.Header.Sequence, time, segment, DateTimeOffset.UtcNow, jpeg, frame.Image.Width, frame.Image.Height, label, windowLabel, windowConfidence));
    }

    private void Capture(FrameLabel label, EventCapture capture)
    {
        var camera = label.Header.Stream.Id;
        var frame = _rings[camera].Find(capture.Frame);
        if (frame is null)
        {
            Log.Warning("Camera {Camera}: frame {Frame} of event {Media} is no longer kept; no snapshot or clip", _rings[camera].Camera, capture.Frame, capture.Media);
            return;
        }
        var clean = _media.CleanSnapshot(capture.Media);
        Directory.CreateDirectory(Path.GetDirectoryName(clean)!);
        WriteWhole(clean, frame.Jpeg);
        WriteWhole(_media.Snapshot(capture.Media), Render(frame, overlay: true, height: null));
        // The event's own frame is already counted in the stretch it ends; the new one starts with it.
        EndStretch(camera);
        var stretch = new Stretch(capture.Media, label.LabelIndex);
        stretch.Add(label.Probabilities[label.LabelIndex]);
        _stretches[camera] = stretch;
        var pending = new PendingClip(capture.Media, frame.Time, frame.Segment);
        if (_windows[camera].Post <= TimeSpan.Zero)
            QueueClip(camera, pending);
        else
            _pending[camera].Add(pending);
    }

    /// <summary>The mean probability of the label of <paramref name="camera"/>'s newest label event over its frames so far, or null.</summary>
    public double? CurrentMean(string camera)
    {
        if (!_byName.TryGetValue(camera, out var i))
            return null;
        return Volatile.Read(ref _stretches[i]) is { Count: > 0 } stretch ? Math.Round(stretch.Mean, 4) : null;
    }

    private void EndStretch(int camera)
    {
        if (_stretches[camera] is not { Count: > 0 } stretch)
            return;
        _stretches[camera] = null;
        _stretchEnded?.Invoke(stretch.Media, Math.Round(stretch.Mean, 4));
    }

    private void QueueClip(int camera, PendingClip pending)
    {
        var window = _windows[camera];
        var frames = _rings[camera].Between(pending.Segment, pending.Time - window.Pre, pending.Time + window.Post);
        if (frames.Count == 0)
            return;
        var fps = frames[0].Label.Header.Stream.FramesPerSecond;
        if (!(fps > 0))
        {
            var span = (frames[^1].Time - frames[0].Time).TotalSeconds;
            fps = frames.Count > 1 && span > 0 ? (frames.Count - 1) / span : 1;
        }
        if (!_clips.Writer.TryWrite(new ClipJob(_media.Clip(pending.Media), frames, fps)))
        {
            Interlocked.Increment(ref _clipsFailed);
            Log.Warning("Camera {Camera}: {Queued} clips already waiting to be written; the clip of {Media} is skipped", _rings[camera].Camera, _clips.Reader.Count, pending.Media);
        }
    }

    private async Task WriteClipsAsync()
    {
        await foreach (var job in _clips.Reader.ReadAllAsync())
        {
            try
            {
                WriteClip(job);
                Interlocked.Increment(ref _clipsWritten);
            }
            catch (Exception ex) when (ex is VideoEncoderException or OpenCVException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                Interlocked.Increment(ref _clipsFailed);
                Log.Warning("Clip {Path} could not be written: {Reason}", job.Path, ex.Message);
            }
        }
    }

    private void WriteClip(ClipJob job)
    {
        var started = Stopwatch.GetTimestamp();
        var first = job.Frames[0];
        var partial = Path.ChangeExtension(job.Path, ".partial.mp4");
        using (var encoder = _encoders.Open(partial, new Size(first.Width, first.Height), job.FramesPerSecond))
        {
            foreach (var frame in job.Frames)
            {
                using var image = Cv2.ImDecode(frame.Jpeg, ImreadModes.Color);
                if (image.Width != first.Width || image.Height != first.Height)
                    continue;
                DrawOverlay(image, frame);
                encoder.Write(image);
            }
            encoder.Complete();
        }
        File.Move(partial, job.Path, overwrite: true);
        Log.Debug("Clip {Path}: {Frames} frames at {Fps:0.##} fps in {Seconds:0.00} s", job.Path, job.Frames.Count, job.FramesPerSecond, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static void WriteWhole(string path, byte[] bytes)
    {
        var partial = path + ".partial";
        File.WriteAllBytes(partial, bytes);
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>The stream's clock where its rate is known (timestamps are then exact), otherwise the arrival clock.</summary>
    private static TimeSpan TimeOf(in FrameHeader header) => header.Stream.FramesPerSecond > 0
        ? header.Timestamp
        : TimeSpan.FromSeconds(header.ArrivalTimestamp / (double)Stopwatch.Frequency);

    /// <summary>Stops taking frames, writes the clips still waiting (with the frames there are) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        _items.Writer.TryComplete();
        await _recording;
        await _writing;
        while (_items.Reader.TryRead(out var left))
            left.Frame?.Dispose();
    }

    private sealed record Item(FrameLabel Label, Frame? Frame, EventCapture? Capture);

    private sealed record PendingClip(string Media, TimeSpan Time, int Segment);

    private sealed record Rendering(RecordedFrame Frame, bool Overlay, int? Height, byte[] Jpeg);

    /// <summary>A label event's stretch: the probabilities of its label summed over its frames (written by the recorder's loop only).</summary>
    private sealed class Stretch(string media, int label)
    {
        private double _sum;
        private long _count;

        public string Media { get; } = media;

        public int Label { get; } = label;

        public long Count => Interlocked.Read(ref _count);

        public double Mean => _sum / Math.Max(1, Count);

        public void Add(float probability)
        {
            _sum += probability;
            Interlocked.Increment(ref _count);
        }
    }
}
