using System.Threading.Channels;
using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Dataflow;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// Resizes each frame straight into a pooled slot (BGR bytes, the CNN's input layout) and
/// disposes the decoded frame. No per-frame allocation: OpenCV writes through a Mat header over
/// the slot's memory. <paramref name="workers"/> threads resize in parallel (a GPU takes frames
/// faster than one core can resize them); frames leave in the order they came.
/// </summary>
/// <param name="frameTap">
/// Optional: receives every decoded frame once it has been resized, instead of it being disposed
/// (ownership passes to the tap, see <see cref="FrameTap"/>). A frame goes to the tap before its
/// resized copy is emitted downstream, so by the time a frame has a label it is in the tap. With
/// several workers frames may enter the tap slightly out of order; the tap sorts that out. A full
/// tap makes the worker wait. The stage completes the tap when it ends.
/// </param>
public sealed class PreprocessStage(ChannelReader<Frame> input, ChannelWriter<PreprocessedFrame> output, FrameSlotPool pool, int workers = 1, ChannelWriter<Frame>? frameTap = null)
{
    private readonly OrderedEmitter<Frame, PreprocessedFrame> _emitter = new(input, output, frame => frame.Release());

    public async Task RunAsync(CancellationToken cancellation)
    {
        Exception? failure = null;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, workers)).Select(_ =>
                Task.Factory.StartNew(() => RunWorker(cancellation), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            output.TryComplete(failure);
            frameTap?.TryComplete(failure);
            _emitter.DiscardUnsent();
            // Frames still queued when the stage stops early belong to nobody else: dispose them.
            while (input.TryRead(out var left))
                left.Dispose();
        }
    }

    private void RunWorker(CancellationToken cancellation)
    {
        // A dedicated thread: waiting here for frames or for a free slot blocks nobody else.
        while (input.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult())
        {
            if (!_emitter.TryTake(out var frame, out var ticket))
                continue;
            PreprocessedFrame item;
            try
            {
                var slot = pool.Rent(cancellation);
                Resize(frame.Image, slot);
                item = new PreprocessedFrame(frame.Header, slot, pool);
            }
            catch
            {
                frame.Dispose();
                throw;
            }
            if (frameTap is null)
                frame.Dispose();
            else
                HandToTap(frameTap, frame, item, cancellation);
            if (!_emitter.Emit(ticket, item, cancellation))
                return;
        }
    }

    /// <summary>Gives <paramref name="frame"/> to the tap, waiting while it is full; on failure the frame and the slot are released here.</summary>
    private static void HandToTap(ChannelWriter<Frame> tap, Frame frame, PreprocessedFrame item, CancellationToken cancellation)
    {
        try
        {
            while (!tap.TryWrite(frame))
            {
                if (!tap.WaitToWriteAsync(cancellation).AsTask().GetAwaiter().GetResult())
                    throw new InvalidOperationException("the frame tap was completed while preprocessing was still running");
            }
        }
        catch
        {
            frame.Dispose();
            item.Release();
            throw;
        }
    }

    /// <summary>Resizes <paramref name="image"/> into <paramref name="slot"/> (bilinear, as training does).</summary>
    public static void Resize(Mat image, FrameSlot slot)
    {
        using var target = slot.AsMat();
        Cv2.Resize(image, target, new Size(slot.Width, slot.Height), 0, 0, InterpolationFlags.Linear);
    }
}
