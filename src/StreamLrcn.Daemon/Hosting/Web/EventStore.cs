using System.Globalization;
using Microsoft.Data.Sqlite;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// The event database: one SQLite file, one row per event. The schema's version is SQLite's
/// <c>PRAGMA user_version</c>; <see cref="Open"/> creates or upgrades it and refuses a file written
/// by a newer version. Each call opens its own pooled connection, so the event sink (one writer)
/// and HTTP requests (readers) use it at once; WAL mode keeps readers from blocking the writer.
/// </summary>
public sealed class EventStore
{
    /// <summary>The schema this build writes.</summary>
    public const int SchemaVersion = 1;

    private const string Columns = "id, camera, kind, label, before_label, score, start_ms, end_ms, reason, media, frame, retain, mean_confidence";

    private readonly string _connectionString;

    private EventStore(string path)
    {
        Path = path;
        // A writer holding the lock is waited for this long before a call fails with "database is locked".
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 5 }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating when missing) the database at <paramref name="path"/> and brings its schema to
    /// <see cref="SchemaVersion"/>. A file that is not a database, is damaged, is locked by another
    /// process or comes from a newer version is a <see cref="ConfigException"/> naming the file.
    /// </summary>
    public static EventStore Open(string path)
    {
        var store = new EventStore(System.IO.Path.GetFullPath(path));
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(store.Path)!);
            store.Migrate();
        }
        catch (SqliteException ex)
        {
            SqliteConnection.ClearAllPools();
            var hint = ex.SqliteErrorCode switch
            {
                5 or 6 => "another process holds it locked; stop it or choose another recording.folder",
                11 or 26 => "it is damaged or not an SQLite database; move it away and the daemon starts a new one",
                _ => "check the file and its folder's permissions",
            };
            throw new ConfigException($"recording: the event database '{store.Path}' cannot be used ({ex.Message.TrimEnd('.')}): {hint}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"recording: the event database '{store.Path}' cannot be created ({ex.Message})", ex);
        }
        return store;
    }

    private void Migrate()
    {
        using var connection = Connect();
        // An exclusive transaction both proves the file is free and makes the upgrade all-or-nothing.
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        Scalar(connection, "PRAGMA quick_check");
        if (version > SchemaVersion)
            throw new ConfigException($"recording: the event database '{Path}' has schema version {version}, this build knows up to {SchemaVersion}: it was written by a newer StreamLrcn");
        if (version < 1)
        {
            Execute(connection, """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    camera TEXT,
                    kind TEXT NOT NULL,
                    label TEXT,
                    before_label TEXT,
                    score REAL,
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER,
                    reason TEXT,
                    media TEXT,
                    frame INTEGER,
                    retain INTEGER NOT NULL DEFAULT 0,
                    mean_confidence REAL);
                CREATE INDEX events_by_start ON events (start_ms);
                CREATE INDEX events_by_camera ON events (camera, kind, start_ms);
                CREATE INDEX events_by_media ON events (media);
                PRAGMA user_version = 1;
                """);
        }
        transaction.Commit();
        Execute(connection, "PRAGMA journal_mode = WAL");
    }

    /// <summary>Adds a row; returns its id.</summary>
    public long Insert(EventRecord row)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO events (camera, kind, label, before_label, score, start_ms, end_ms, reason, media, frame, retain)
            VALUES ($camera, $kind, $label, $before, $score, $start, $end, $reason, $media, $frame, $retain);
            SELECT last_insert_rowid();
            """;
        Bind(command, "$camera", row.Camera);
        Bind(command, "$kind", row.Kind);
        Bind(command, "$label", row.Label);
        Bind(command, "$before", row.BeforeLabel);
        Bind(command, "$score", row.Score);
        Bind(command, "$start", row.StartTime.ToUnixTimeMilliseconds());
        Bind(command, "$end", row.EndTime?.ToUnixTimeMilliseconds());
        Bind(command, "$reason", row.Reason);
        Bind(command, "$media", row.Media);
        Bind(command, "$frame", row.Frame);
        Bind(command, "$retain", row.Retain ? 1 : 0);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Ends the open label stretch of <paramref name="camera"/> (every camera's when null) at <paramref name="end"/>.</summary>
    public void EndOpenLabels(string? camera, DateTimeOffset end)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE events SET end_ms = $end WHERE kind = 'label' AND end_ms IS NULL AND ($camera IS NULL OR camera = $camera)";
        Bind(command, "$end", end.ToUnixTimeMilliseconds());
        Bind(command, "$camera", camera);
        command.ExecuteNonQuery();
    }

    /// <summary>Sets the mean confidence of the label stretch that the event with media <paramref name="media"/> started.</summary>
    public void SetMeanConfidence(string media, double mean)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE events SET mean_confidence = $mean WHERE media = $media";
        Bind(command, "$mean", mean);
        Bind(command, "$media", media);
        command.ExecuteNonQuery();
    }

    public EventRecord? Get(long id)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM events WHERE id = $id";
        Bind(command, "$id", id);
        return Read(command).FirstOrDefault();
    }

    public IReadOnlyList<EventRecord> Query(EventQuery query)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM events
            WHERE ($camera IS NULL OR camera = $camera) AND ($label IS NULL OR label = $label) AND ($kind IS NULL OR kind = $kind)
              AND ($after IS NULL OR start_ms >= $after) AND ($before IS NULL OR start_ms < $before)
            ORDER BY start_ms DESC, id DESC LIMIT $limit
            """;
        Bind(command, "$camera", query.Camera);
        Bind(command, "$label", query.Label);
        Bind(command, "$kind", query.Kind);
        Bind(command, "$after", query.After?.ToUnixTimeMilliseconds());
        Bind(command, "$before", query.Before?.ToUnixTimeMilliseconds());
        Bind(command, "$limit", query.Limit);
        return Read(command);
    }

    /// <summary>The label stretches of <paramref name="camera"/> that overlap [<paramref name="since"/>, now), oldest first.</summary>
    public IReadOnlyList<TimelineSegment> Timeline(string camera, DateTimeOffset since)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM events
            WHERE camera = $camera AND kind = 'label' AND (end_ms IS NULL OR end_ms > $since)
            ORDER BY start_ms, id
            """;
        Bind(command, "$camera", camera);
        Bind(command, "$since", since.ToUnixTimeMilliseconds());
        return Read(command).Select(r => new TimelineSegment(r.Label!, r.StartTime, r.EndTime, r.MeanConfidence ?? r.Score, r.Id)).ToArray();
    }

    public bool SetRetain(long id, bool retain)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE events SET retain = $retain WHERE id = $id";
        Bind(command, "$retain", retain ? 1 : 0);
        Bind(command, "$id", id);
        return command.ExecuteNonQuery() == 1;
    }

    public bool Delete(long id)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM events WHERE id = $id";
        Bind(command, "$id", id);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Rows that are not retained and started before <paramref name="before"/> (all of them when null), oldest first.</summary>
    public IReadOnlyList<EventRecord> Unretained(DateTimeOffset? before = null)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM events WHERE retain = 0 AND ($before IS NULL OR start_ms < $before) ORDER BY start_ms, id";
        Bind(command, "$before", before?.ToUnixTimeMilliseconds());
        return Read(command);
    }

    /// <summary>The media names of every row (retained or not).</summary>
    public IReadOnlyList<string> AllMedia()
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT media FROM events WHERE media IS NOT NULL";
        using var reader = command.ExecuteReader();
        var media = new List<string>();
        while (reader.Read())
            media.Add(reader.GetString(0));
        return media;
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static IReadOnlyList<EventRecord> Read(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<EventRecord>();
        while (reader.Read())
        {
            rows.Add(new EventRecord(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetDouble(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetInt64(10),
                reader.GetInt64(11) != 0,
                reader.IsDBNull(12) ? null : reader.GetDouble(12)));
        }
        return rows;
    }

    private static void Bind(SqliteCommand command, string name, object? value) => command.Parameters.AddWithValue(name, value ?? DBNull.Value);

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
