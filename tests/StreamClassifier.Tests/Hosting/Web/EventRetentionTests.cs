using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using StreamLrcn.Hosting.Web;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Hosting.Web;

/// <summary>Retention on a real SQLite file and real media files: days first, then the size cap, oldest first, retained rows kept.</summary>
public sealed class EventRetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("streamlrcn-retention-").FullName;

    private (EventStore Store, EventMedia Media) Open() =>
        (EventStore.Open(Path.Combine(_folder, "events.db")), new EventMedia(Path.Combine(_folder, "media")));

    /// <summary>A label event <paramref name="age"/> ago with a snapshot and a clip of the given sizes on disk.</summary>
    private static long Add(EventStore store, EventMedia media, TimeSpan age, int snapshotBytes, int clipBytes, bool retain = false)
    {
        var time = Now - age;
        var name = EventMedia.NameFor("cam0", time);
        Directory.CreateDirectory(Path.GetDirectoryName(media.Snapshot(name))!);
        File.WriteAllBytes(media.Snapshot(name), new byte[snapshotBytes]);
        File.WriteAllBytes(media.Clip(name), new byte[clipBytes]);
        return store.Insert(new EventRecord(0, "cam0", "label", "wave", null, 0.9, time, null, null, name, 1, retain));
    }

    [Fact]
    public void Events_past_their_days_go_with_their_files_and_retained_ones_stay()
    {
        var (store, media) = Open();
        var old = Add(store, media, TimeSpan.FromDays(11), 100, 1000);
        var oldRetained = Add(store, media, TimeSpan.FromDays(12), 100, 1000, retain: true);
        var fresh = Add(store, media, TimeSpan.FromDays(9), 100, 1000);
        var oldFiles = media.FilesOf(store.Get(old)!.Media!).Where(File.Exists).ToArray();
        Assert.Equal(2, oldFiles.Length);

        var result = new EventRetention(store, media, TimeSpan.FromDays(10), maxBytes: 1 << 30).PruneOnce(Now);

        Assert.Equal(1, result.ExpiredEvents);
        Assert.Equal(0, result.EventsOverSize);
        Assert.Equal(1100, result.BytesFreed);
        Assert.Null(store.Get(old));
        Assert.All(oldFiles, f => Assert.False(File.Exists(f), $"{f} was left behind"));
        Assert.NotNull(store.Get(oldRetained));
        Assert.NotNull(store.Get(fresh));
        Assert.Equal(2200, result.BytesLeft);
    }

    [Fact]
    public void Over_the_size_cap_the_oldest_unretained_events_go_first_until_the_media_fit()
    {
        var (store, media) = Open();
        // Oldest to newest: retained (1100 bytes), a, b, c (1100 each): 4400 bytes against a cap of 2500.
        var retained = Add(store, media, TimeSpan.FromHours(4), 100, 1000, retain: true);
        var a = Add(store, media, TimeSpan.FromHours(3), 100, 1000);
        var b = Add(store, media, TimeSpan.FromHours(2), 100, 1000);
        var c = Add(store, media, TimeSpan.FromHours(1), 100, 1000);

        var result = new EventRetention(store, media, TimeSpan.FromDays(10), maxBytes: 2500).PruneOnce(Now);

        // 4400 - 1100 (a) = 3300 > 2500, - 1100 (b) = 2200 ≤ 2500: a and b go, c and the retained one stay.
        Assert.Equal(2, result.EventsOverSize);
        Assert.Equal(2200, result.BytesLeft);
        Assert.Null(store.Get(a));
        Assert.Null(store.Get(b));
        Assert.NotNull(store.Get(c));
        Assert.NotNull(store.Get(retained));
        var left = Directory.GetFiles(media.Folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(2200, left);
    }

    [Fact]
    public void Retained_events_are_kept_even_when_they_alone_exceed_the_cap()
    {
        var (store, media) = Open();
        var retained = Add(store, media, TimeSpan.FromDays(30), 100, 5000, retain: true);
        var result = new EventRetention(store, media, TimeSpan.FromDays(10), maxBytes: 1000).PruneOnce(Now);
        Assert.NotNull(store.Get(retained));
        Assert.Equal(0, result.ExpiredEvents + result.EventsOverSize);
        Assert.Equal(5100, result.BytesLeft);
    }

    [Fact]
    public async Task The_background_loop_prunes_at_start_and_again_every_interval_until_stopped()
    {
        var (store, media) = Open();
        var clock = new FakeTimeProvider(Now);
        var first = Add(store, media, TimeSpan.FromDays(11), 100, 1000);
        using var stop = new CancellationTokenSource();
        var loop = new EventRetention(store, media, TimeSpan.FromDays(10), maxBytes: 1 << 30).RunAsync(TimeSpan.FromMinutes(5), clock, stop.Token);

        await Eventually.True(() => store.Get(first) is null, TimeSpan.FromSeconds(30), "the pass at start");
        // Ten days and a minute old only after the clock moves on: the next pass takes it.
        var second = Add(store, media, TimeSpan.FromDays(10) - TimeSpan.FromMinutes(4), 100, 1000);
        var untouched = Add(store, media, TimeSpan.FromDays(9), 100, 1000);
        Assert.NotNull(store.Get(second));
        clock.Advance(TimeSpan.FromMinutes(5));
        await Eventually.True(() => store.Get(second) is null, TimeSpan.FromSeconds(30), "the pass after one interval");
        Assert.NotNull(store.Get(untouched));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public void A_new_database_gets_the_current_schema_version_and_one_from_a_newer_build_is_refused_by_name()
    {
        var path = Path.Combine(_folder, "events.db");
        EventStore.Open(path);
        Assert.Equal(EventStore.SchemaVersion, UserVersion(path));
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }
        var error = Assert.Throws<StreamLrcn.Hosting.ConfigException>(() => EventStore.Open(path));
        Assert.Contains($"'{path}' has schema version 99, this build knows up to {EventStore.SchemaVersion}", error.Message);
    }

    private static long UserVersion(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
