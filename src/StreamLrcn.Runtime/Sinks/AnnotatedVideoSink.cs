using System.Diagnostics;
using OpenCvSharp;
using Microsoft.Extensions.Logging;
using StreamLrcn.Diagnostics;
using StreamLrcn.Capture;
using StreamLrcn.Overlay;
using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>
/// Writes each input again with the overlay drawn on every frame: one output frame per input
/// frame, at the input's frame rate. Each label comes with its own frame (it rode with its CNN
/// row), so the overlay on frame N is the label
/// the other sinks write for frame N. One file per stream (<see cref="PathFor"/>); each encoder
/// opens at the stream's first frame, when its size is known. The sink owns the encoders.
/// </summary>
public sealed class AnnotatedVideoSink : IFrameSink
{
    private readonly VideoEncoderFactory _encoders;
    private readonly string _requestedPath;
    private readonly int _streamCount;
    private readonly int _windowSize;
    private readonly OverlayRenderer _renderer;
    private readonly Dictionary<int, StreamOutput> _streams = [];
    private readonly ILogger _logger;

    public AnnotatedVideoSink(VideoEncoderFactory encoders, string requestedPath, int streamCount, IReadOnlyList<string> labels, int windowSize,
        OverlayPosition position = OverlayPosition.Bottom, ILogger? logger = null)
    {
        _logger = logger ?? RuntimeLog.For<AnnotatedVideoSink>();
        _encoders = encoders;
        _requestedPath = requestedPath;
        _streamCount = streamCount;
        _windowSize = windowSize;
        _renderer = new OverlayRenderer(labels, position);
        for (var i = 0; i < streamCount; i++)
            encoders.Validate(PathFor(requestedPath, i, "", streamCount));
    }

    /// <summary>
    /// The file of stream <paramref name="streamId"/>: <paramref name="requested"/> itself for a
    /// single input; with several, <c>NAME-INDEX-STREAM.EXT</c> beside it (<c>out.mp4</c> →
    /// <c>out-0-clip1.mp4</c>, <c>out-1-clip2.mp4</c>), in the order the inputs were given.
    /// </summary>
    public static string PathFor(string requested, int streamId, string streamName, int streamCount)
    {
        if (streamCount == 1)
            return requested;
        var stem = Path.GetFileNameWithoutExtension(requested);
        var name = new string(Path.GetFileNameWithoutExtension(streamName).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        var file = name.Length > 0 ? $"{stem}-{streamId}-{name}{Path.GetExtension(requested)}" : $"{stem}-{streamId}{Path.GetExtension(requested)}";
        return Path.Combine(Path.GetDirectoryName(requested) ?? "", file);
    }

    /// <summary>A label that came without its frame: a run that keeps frames never does this.</summary>
    public void Write(FrameLabel label) =>
        throw new InvalidOperationException($"annotated video needs frame {label.Header.Sequence} of stream '{label.Header.Stream.Name}' with its label; the pipeline did not keep frames");

    public void Write(FrameLabel label, Frame frame)
    {
        var output = OutputFor(frame);
        output.Tracker.Observe(label, Stopwatch.GetTimestamp());
        _renderer.Draw(frame.Image, output.Tracker.ContentFor(label.Header.Stream.Name, StreamState.Recorded, label, StreamOverlayTracker.RecordedDetail(label)));
        if (frame.Image.Size() == output.Size)
        {
            output.Encoder.Write(frame.Image);
        }
        else
        {
            // A stream that changes size mid-way still gets one output frame per input frame.
            using var resized = new Mat();
            Cv2.Resize(frame.Image, resized, output.Size);
            output.Encoder.Write(resized);
        }
        output.Frames++;
    }

    public void Flush()
    {
        // Encoders flush as they go; a file is complete only after Complete.
    }

    /// <summary>Finishes every file. Throws <see cref="VideoEncoderException"/> when an encoder failed.</summary>
    public void Complete()
    {
        foreach (var output in _streams.Values)
        {
            output.Encoder.Complete();
            _logger.LogInformation("Annotated video {Path}: {Frames} frames", output.Path, output.Frames);
        }
    }

    private StreamOutput OutputFor(Frame frame)
    {
        var stream = frame.Header.Stream;
        if (_streams.TryGetValue(stream.Id, out var output))
            return output;
        var path = PathFor(_requestedPath, stream.Id, stream.Name, _streamCount);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        var fps = stream.FramesPerSecond > 0 ? stream.FramesPerSecond : 30;
        var size = frame.Image.Size();
        _logger.LogInformation("Annotated video of {Stream} → {Path} ({Width}x{Height}, {Fps} fps): {Encoder}",
            stream.Name, path, size.Width, size.Height, Math.Round(fps, 3), _encoders.Describe(path));
        output = new StreamOutput(path, size, _encoders.Open(path, size, fps), new StreamOverlayTracker(_windowSize));
        _streams.Add(stream.Id, output);
        return output;
    }

    public void Dispose()
    {
        foreach (var output in _streams.Values)
            output.Encoder.Dispose();
    }

    private sealed class StreamOutput(string path, Size size, IVideoEncoder encoder, StreamOverlayTracker tracker)
    {
        public string Path { get; } = path;
        public Size Size { get; } = size;
        public IVideoEncoder Encoder { get; } = encoder;
        public StreamOverlayTracker Tracker { get; } = tracker;
        public long Frames { get; set; }
    }
}
