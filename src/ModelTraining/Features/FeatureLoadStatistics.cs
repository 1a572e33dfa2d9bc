namespace StreamLrcn.Training.Features;

/// <summary>What a <see cref="FeatureStore.Load"/> call found in the cache and had to compute.</summary>
public sealed record FeatureLoadStatistics(int CacheHits, int Extracted, long FramesExtracted, TimeSpan Elapsed);
