using System.Diagnostics;
using OpenCvSharp;
using StreamLrcn.Capture;

namespace StreamLrcn.Cluster;

/// <summary>
/// One configured camera's place in this node's pipeline, whether or not this node owns the camera
/// now. The pipeline runs one capture thread per slot for its whole run; the camera's entity
/// <see cref="Attach"/>es an ffmpeg-fed <see cref="NetworkFrameSource"/> when the cluster gives it
/// the camera and <see cref="DetachAsync"/>es it when the camera moves away. While no source is
/// attached, <see cref="Read"/> waits and the stream produces nothing.
/// <para>
/// The slot owns the attached source. The source is read, and disposed (which kills its ffmpeg and
/// waits for it), on the capture thread: a child process dies with the thread that started it,
/// which is what takes it down with the daemon even on SIGKILL. <see cref="DetachAsync"/>
/// completes only once the child is gone, so a camera never has two ffmpeg readers in the cluster.
/// The first frame after an attach is flagged as a discontinuity: the camera's GRU state starts
/// from zero on its new owner, and the label outputs say so.
/// </para>
/// </summary>
public sealed class CameraSlot : ILiveSource
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _attached = new(0);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly NetworkSourceOptions _options;
    private NetworkFrameSource? _source;
    private NetworkFrameSource? _reading;
    private TaskCompletionSource? _detached;
    private bool _fresh;
    private bool _interrupted;
    private long _framesBefore;
    private long _reconnectsBefore;

    public CameraSlot(NetworkSourceOptions options)
    {
        options.Validate("camera");
        _options = options;
    }

    public string Name => _options.Name;

    public double FramesPerSecond => _options.FramesPerSecond is { } fps ? fps / _options.Every : 0;

    public long? ExpectedFrameCount => null;

    /// <summary>True while this node owns the camera (a source is attached).</summary>
    public bool Owned
    {
        get
        {
            lock (_gate)
                return _source is not null;
        }
    }

    /// <summary><see cref="StreamStatus.Starting"/> while the camera is not owned here.</summary>
    public StreamStatus Status
    {
        get
        {
            lock (_gate)
                return _source?.Status ?? StreamStatus.Starting;
        }
    }

    /// <summary>Frames received here over every time this node owned the camera.</summary>
    public long FramesReceived
    {
        get
        {
            lock (_gate)
                return _framesBefore + (_source?.FramesReceived ?? 0);
        }
    }

    public long Reconnects
    {
        get
        {
            lock (_gate)
                return _reconnectsBefore + (_source?.Reconnects ?? 0);
        }
    }

    public event Action<StreamStatusChange>? StatusChanged;

    /// <summary>Hands the camera to this node: a new ffmpeg source starts on the capture thread. A second attach while owned is ignored.</summary>
    /// <returns>False when the camera was already attached or the slot is stopped.</returns>
    public bool Attach()
    {
        NetworkFrameSource source;
        lock (_gate)
        {
            if (_source is not null || _interrupted)
                return false;
            source = new NetworkFrameSource(_options);
            source.StatusChanged += Forward;
            _source = source;
            _fresh = true;
        }
        _attached.Release();
        return true;
    }

    /// <summary>
    /// Takes the camera away from this node: stops its ffmpeg and completes once the child has
    /// exited (or at once when nothing was attached).
    /// </summary>
    public Task DetachAsync()
    {
        NetworkFrameSource? disposeHere = null;
        Task done;
        lock (_gate)
        {
            if (_source is null)
                return _detached?.Task ?? Task.CompletedTask;
            var source = _source;
            Forget(source);
            if (ReferenceEquals(_reading, source))
            {
                // The capture thread is in its read: it disposes the source when the read returns.
                _detached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                done = _detached.Task;
                source.Interrupt();
            }
            else
            {
                // Never read (the pipeline has not run since the attach): no child was started.
                disposeHere = source;
                done = Task.CompletedTask;
            }
            // The attach's permit may still be unused; the capture thread finds no source and waits again.
        }
        disposeHere?.Dispose();
        return done;
    }

    public bool Read(Mat image, out SourceReading reading)
    {
        reading = default;
        while (true)
        {
            NetworkFrameSource? source;
            bool fresh;
            lock (_gate)
            {
                if (_interrupted)
                    return false;
                source = _source;
                fresh = _fresh;
                _reading = source;
            }
            if (source is null)
            {
                _attached.Wait();
                continue;
            }
            var more = source.Read(image, out var inner);
            TaskCompletionSource? detached = null;
            var dispose = false;
            lock (_gate)
            {
                _reading = null;
                if (!ReferenceEquals(_source, source))
                {
                    // Detached during the read: this thread started the child, so it stops it.
                    (detached, _detached, dispose) = (_detached, null, true);
                }
                else if (more)
                    _fresh = false;
            }
            if (dispose)
            {
                source.Dispose();
                detached?.TrySetResult();
                continue;
            }
            if (!more)
                return false;
            reading = new SourceReading(_clock.Elapsed, inner.Discontinuity || fresh);
            return true;
        }
    }

    /// <summary>Ends the pipeline's read for good (the run is stopping): the attached source's child is stopped too.</summary>
    public void Interrupt()
    {
        lock (_gate)
        {
            _interrupted = true;
            _source?.Interrupt();
        }
        _attached.Release();
    }

    public void Dispose()
    {
        NetworkFrameSource? source;
        TaskCompletionSource? detached;
        lock (_gate)
        {
            _interrupted = true;
            source = _source;
            if (source is not null)
                Forget(source);
            (detached, _detached) = (_detached, null);
        }
        source?.Dispose();
        detached?.TrySetResult();
    }

    /// <summary>Called under the lock: keeps the counters of the source that leaves.</summary>
    private void Forget(NetworkFrameSource source)
    {
        _framesBefore += source.FramesReceived;
        _reconnectsBefore += source.Reconnects;
        source.StatusChanged -= Forward;
        _source = null;
    }

    private void Forward(StreamStatusChange change) => StatusChanged?.Invoke(change);
}
