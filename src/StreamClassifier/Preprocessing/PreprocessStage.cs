using System.Threading.Channels;
using OpenCvSharp;
using StreamLrcn.Capture;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// Resizes each frame straight into a pooled slot (BGR bytes, the CNN's input layout) and
/// disposes the decoded frame. No per-frame allocation: OpenCV writes through a Mat header over
/// the slot's memory.
/// </summary>
/// <param name="frameTap">
/// Optional: receives every decoded frame after it has been resized, instead of it being disposed
/// (ownership passes to the tap's reader). The frame is written to the tap <em>before</em> its
/// resized copy goes downstream, so when the label of a frame exists the frame is already in the
/// tap and a reader pairing labels with frames never waits. A full tap makes this stage wait
/// (frames the tap holds have all gone downstream already, so their labels free it). The stage
/// completes the tap when it ends.
/// </param>
public sealed class PreprocessStage(ChannelReader<Frame> input, ChannelWriter<PreprocessedFrame> output, FrameSlotPool pool, ChannelWriter<Frame>? frameTap = null)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        Exception? failure = null;
        try
        {
            await foreach (var frame in input.ReadAllAsync(cancellation))
            {
                PreprocessedFrame item;
                try
                {
                    var slot = await pool.RentAsync(cancellation);
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
                    await HandToTapAsync(frameTap, frame, item, cancellation);

                if (!output.TryWrite(item))
                {
                    try
                    {
                        await output.WriteAsync(item, cancellation);
                    }
                    catch
                    {
                        item.Release();
                        throw;
                    }
                }
            }
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
            // Frames still queued when the stage stops early belong to nobody else: dispose them.
            while (input.TryRead(out var left))
                left.Dispose();
        }
    }

    /// <summary>Gives <paramref name="frame"/> to the tap; on failure the frame and the slot stay here and are released.</summary>
    private static async ValueTask HandToTapAsync(ChannelWriter<Frame> tap, Frame frame, PreprocessedFrame item, CancellationToken cancellation)
    {
        if (tap.TryWrite(frame))
            return;
        try
        {
            await tap.WriteAsync(frame, cancellation);
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
