using Serilog;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// Keeps the event store within <c>recording.retainDays</c> and <c>recording.maxSizeMb</c>: rows
/// older than the days go with their files, then the oldest rows with media go until the media fit
/// the size cap. Rows marked <c>retain</c> are never removed (they still count towards the size).
/// <see cref="RunAsync"/> prunes at start and then every interval, on the injected clock; a failed
/// pass is logged and the next one tries again.
/// </summary>
public sealed class EventRetention(EventStore store, EventMedia media, TimeSpan maxAge, long maxBytes)
{
    /// <summary>What the latest pass found (null before the first).</summary>
    public PruneResult? LastResult { get; private set; }

    /// <summary>One pass at <paramref name="now"/>.</summary>
    public PruneResult PruneOnce(DateTimeOffset now)
    {
        long freed = 0;
        var expired = store.Unretained(before: now - maxAge);
        foreach (var row in expired)
            freed += Remove(row);

        var total = store.AllMedia().Sum(SizeOf);
        var overSize = 0;
        if (total > maxBytes)
        {
            foreach (var row in store.Unretained().Where(r => r.Media is not null))
            {
                if (total <= maxBytes)
                    break;
                var size = Remove(row);
                total -= size;
                freed += size;
                overSize++;
            }
        }
        LastResult = new PruneResult(expired.Count, overSize, freed, total);
        return LastResult;
    }

    /// <summary>Deletes <paramref name="row"/> and its files; returns the bytes freed.</summary>
    public long Remove(EventRecord row)
    {
        store.Delete(row.Id);
        if (row.Media is null)
            return 0;
        long freed = 0;
        foreach (var file in media.FilesOf(row.Media))
        {
            var info = new FileInfo(file);
            if (!info.Exists)
                continue;
            freed += info.Length;
            info.Delete();
        }
        return freed;
    }

    public async Task RunAsync(TimeSpan interval, TimeProvider clock, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                var result = PruneOnce(clock.GetUtcNow());
                if (result.ExpiredEvents + result.EventsOverSize > 0)
                    Log.Information("Retention: {Expired} events past their days and {OverSize} over the size cap removed, {Freed} bytes freed, {Left} bytes of media left",
                        result.ExpiredEvents, result.EventsOverSize, result.BytesFreed, result.BytesLeft);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A locked database or a file in use: the next pass tries again; the daemon goes on.
                Log.Warning("Retention pass failed: {Reason}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellation));
    }

    private long SizeOf(string name) => media.FilesOf(name).Select(f => new FileInfo(f)).Where(f => f.Exists).Sum(f => f.Length);
}
