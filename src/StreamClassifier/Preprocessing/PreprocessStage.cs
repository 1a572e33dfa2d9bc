using System.Threading.Channels;
using OpenCvSharp;
using StreamLrcn.Capture;

namespace StreamLrcn.Preprocessing;

/// <summary>
/// Resizes each frame straight into a pooled slot (BGR bytes, the CNN's input layout) and
/// disposes the decoded frame. No per-frame allocation: OpenCV writes through a Mat header over
/// the slot's memory.
/// </summary>
public sealed class PreprocessStage(ChannelReader<Frame> input, ChannelWriter<PreprocessedFrame> output, FrameSlotPool pool)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        Exception? failure = null;
        try
        {
            await foreach (var frame in input.ReadAllAsync(cancellation))
            {
                using (frame)
                {
                    var slot = await pool.RentAsync(cancellation);
                    Resize(frame.Image, slot);
                    var item = new PreprocessedFrame(frame.Header, slot, pool);
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
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            output.TryComplete(failure);
            // Frames still queued when the stage stops early belong to nobody else: dispose them.
            while (input.TryRead(out var left))
                left.Dispose();
        }
    }

    /// <summary>Resizes <paramref name="image"/> into <paramref name="slot"/> (bilinear, as training does).</summary>
    public static void Resize(Mat image, FrameSlot slot)
    {
        using var target = slot.AsMat();
        Cv2.Resize(image, target, new Size(slot.Width, slot.Height), 0, 0, InterpolationFlags.Linear);
    }
}
