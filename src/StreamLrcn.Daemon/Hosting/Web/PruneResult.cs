namespace StreamLrcn.Hosting.Web;

/// <summary>What one pass of <see cref="EventRetention"/> removed, and the media bytes left.</summary>
public sealed record PruneResult(int ExpiredEvents, int EventsOverSize, long BytesFreed, long BytesLeft);
