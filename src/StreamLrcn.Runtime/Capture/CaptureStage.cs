using System.Diagnostics;
using System.Threading.Channels;
using OpenCvSharp;
using Microsoft.Extensions.Logging;
using StreamLrcn.Diagnostics;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Capture;

/// <summary>
/// Drives one blocking <see cref="IFrameSource"/> on a dedicated thread and writes stamped
/// <see cref="Frame"/>s to a channel shared by all streams. The stage owns its source and
/// disposes it when the loop ends. A source failure ends this stream only; it is reported in
/// <see cref="Outcome"/> and never faults the shared channel, so other streams and the labels
/// already computed are kept.
/// </summary>
public sealed class CaptureStage : IDisposable
{
    private readonly IFrameSource _source;
    private readonly ChannelWriter<Frame> _output;
    private readonly TaskCompletionSource<StreamOutcome> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationToken _cancellation;
    private Thread? _thread;
    private readonly ILogger _logger;
    private long _dropped;
    private readonly FramePool? _frames;

    /// <param name="frames">Where frames come from (their images reused once freed); without it every frame is new.</param>
    public CaptureStage(StreamInfo stream, IFrameSource source, ChannelWriter<Frame> output, CancellationToken cancellation, ILogger? logger = null, FramePool? frames = null)
    {
        _frames = frames;
        _logger = logger ?? RuntimeLog.For<CaptureStage>();
        Stream = stream;
        _source = source;
        _output = output;
        _cancellation = cancellation;
    }

    public StreamInfo Stream { get; }

    /// <summary>Frames evicted from a drop-oldest channel so far (live sources only).</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Called by a drop-oldest channel for each evicted frame: the only place that sees it, so it disposes it.</summary>
    public void OnFrameDropped(Frame frame)
    {
        frame.Dispose();
        Interlocked.Increment(ref _dropped);
    }

    /// <summary>Completes when the source has ended, failed or been cancelled.</summary>
    public Task<StreamOutcome> Completion => _done.Task;

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"capture:{Stream.Name}" };
        _thread.Start();
    }

    private void Run()
    {
        long sequence = 0;
        string? error = null;
        // A network read can block until the next frame, which may never come: cancellation interrupts it.
        using var interrupt = _source is IInterruptibleSource interruptible ? _cancellation.Register(interruptible.Interrupt) : default;
        try
        {
            _logger.LogDebug("Capture of {Stream} started", Stream.Name);
            var flags = FrameFlags.StreamStart;
            var segment = 0;
            while (!_cancellation.IsCancellationRequested)
            {
                var frame = _frames?.Rent() ?? new Frame(default, new Mat());
                bool more;
                SourceReading reading;
                try
                {
                    more = _source.Read(frame.Image, out reading);
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
                if (!more)
                {
                    frame.Dispose();
                    break;
                }

                var time = reading.Timestamp ?? TimeSpan.FromSeconds(sequence / (Stream.FramesPerSecond > 0 ? Stream.FramesPerSecond : 30));
                if (reading.Discontinuity && sequence > 0)
                {
                    flags |= FrameFlags.Discontinuity;
                    segment++;
                }
                frame.Stamp(new FrameHeader(Stream, sequence, time, Stopwatch.GetTimestamp(), flags) { Segment = segment });
                if (!BlockingWait.Write(_output, frame, _cancellation))
                {
                    frame.Dispose();
                    break;
                }
                sequence++;
                flags = FrameFlags.None;
            }
        }
        catch (OperationCanceledException)
        {
            // Cancellation ends the stream like a normal end; the pipeline drains what was captured.
        }
        catch (Exception ex)
        {
            // A FrameSourceException is a source failing (a corrupt file, a camera gone). This thread
            // is also the only place that can catch anything else a source throws (which would
            // otherwise end the process): that ends this stream as a failure too.
            error = ex.Message;
            _logger.LogError("Stream {Stream} failed after {Frames} frames: {Reason}", Stream.Name, sequence, ex.Message);
            if (ex is not FrameSourceException)
                _logger.LogDebug(ex, "Capture of {Stream} stopped by an unexpected error", Stream.Name);
        }
        finally
        {
            var skipped = _source.FramesSkipped;
            if (skipped > 0)
                _logger.LogWarning("Stream {Stream}: {Skipped} frames could not be decoded and were skipped", Stream.Name, skipped);
            _done.TrySetResult(new StreamOutcome(Stream, sequence, Interlocked.Read(ref _dropped), error, skipped));
        }
    }

    public void Dispose()
    {
        _thread?.Join();
        _source.Dispose();
    }
}
