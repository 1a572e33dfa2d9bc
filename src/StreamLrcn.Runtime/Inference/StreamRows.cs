using StreamLrcn.Preprocessing;
using StreamLrcn.Models;

namespace StreamLrcn.Inference;

/// <summary>Places a frame's CNN inputs, one row per stream in feature order, where the caller's rows are.</summary>
internal static class StreamRows
{
    /// <summary>Copies the slot of each of <paramref name="streams"/> into rows <paramref name="firstRow"/>, +1, … of <paramref name="lane"/>; a missing difference image throws.</summary>
    public static void Copy(PreprocessedFrame frame, CnnStreams streams, ExtractionLane lane, int firstRow)
    {
        for (var s = 0; s < streams.Rows; s++)
        {
            var slot = streams.Names[s] == CnnStreams.Rgb
                ? frame.Slot
                : frame.Difference ?? throw new InvalidOperationException(
                    $"frame {frame.Header.Sequence} of stream '{frame.Header.Stream.Name}' has no difference image, which the package's streams [{string.Join(", ", streams.Names)}] need");
            slot.Span.CopyTo(lane.InputRow(firstRow + s));
        }
    }
}
