using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// Keeps freed frames, with their images' memory, for the next decode: a source reading into a
/// frame of the same size writes into the memory it had, so a run in steady state allocates no
/// frame and no image. Renting never waits: an empty pool makes a new frame, and a full one frees
/// what comes back. Thread-safe; frames come back through <see cref="Frame.Dispose"/> (their last
/// reference), including after the pool is disposed, which frees them then.
/// </summary>
public sealed class FramePool(int capacity) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Stack<Frame> _free = new(capacity);
    private bool _disposed;

    /// <summary>Frames kept at most.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Frames kept right now.</summary>
    public int Available
    {
        get
        {
            lock (_gate)
                return _free.Count;
        }
    }

    /// <summary>A frame to read into (its image keeps the size of its last use); stamp it with <see cref="Frame.Stamp"/> once read.</summary>
    public Frame Rent()
    {
        lock (_gate)
        {
            if (_free.TryPop(out var frame))
            {
                frame.Revive();
                return frame;
            }
        }
        return new Frame(default, new Mat(), this);
    }

    internal void Return(Frame frame)
    {
        lock (_gate)
        {
            if (!_disposed && _free.Count < Capacity)
            {
                _free.Push(frame);
                return;
            }
        }
        frame.Image.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            while (_free.TryPop(out var frame))
                frame.Image.Dispose();
        }
    }
}
