using StreamLrcn.Validation;

namespace StreamLrcn.Inference;

/// <summary>
/// When the batcher closes a batch: at <see cref="MaxBatchSize"/> frames or <see cref="MaxDelay"/>
/// after its first frame arrived, whichever comes first.
/// </summary>
public sealed record BatchingOptions(int MaxBatchSize, TimeSpan MaxDelay)
{
    /// <summary>
    /// On CPU, batch size barely changes the cost per frame (measured: ~20 ms a frame at any size),
    /// so batches stay small and the deadline short to keep live latency low.
    /// </summary>
    public static BatchingOptions Cpu { get; } = new(8, TimeSpan.FromMilliseconds(5));

    /// <summary>
    /// On a GPU a frame costs ~20x less at batch 128 than at batch 1 (H200: ~1,100 vs ~20,000
    /// frames/s), so batches are large; the 4 ms deadline caps what a lone live stream waits.
    /// </summary>
    public static BatchingOptions Gpu { get; } = new(128, TimeSpan.FromMilliseconds(4));

    public static BatchingOptions For(ExecutionTarget target) => target.IsGpu ? Gpu : Cpu;

    /// <summary>
    /// Largest batch: the slot pool holds a few batches of 224x224 frames (150 KB each), so 1024
    /// already takes about a gigabyte; GPU throughput stops growing well before (H200: 256).
    /// </summary>
    public const int MaxAllowedBatchSize = 1024;

    public void Validate()
    {
        InvalidOptionException.ThrowUnless<BatchingOptions>(MaxBatchSize is >= 1 and <= MaxAllowedBatchSize, nameof(MaxBatchSize), $"1 to {MaxAllowedBatchSize} frames", MaxBatchSize);
        InvalidOptionException.ThrowUnless<BatchingOptions>(MaxDelay >= TimeSpan.Zero, nameof(MaxDelay), "0 or more", MaxDelay);
    }
}
