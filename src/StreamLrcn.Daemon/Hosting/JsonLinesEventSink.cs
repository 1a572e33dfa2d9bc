using System.Text;

namespace StreamLrcn.Hosting;

/// <summary>
/// Appends events to a JSON lines file. Each event goes to the OS in one write as it is delivered
/// (a killed daemon loses none), and the file is synced to disk whenever the queue runs dry. A
/// failed write (a full disk) is cut back to the last whole line and thrown, so the dispatcher's
/// retry never leaves half a line or a duplicate.
/// </summary>
public sealed class JsonLinesEventSink(string path) : IEventSink
{
    private FileStream? _file;

    public string Name => "file";

    /// <summary>Events are written as fast as the disk takes them; a long backlog means the disk itself is failing.</summary>
    public int QueueCapacity => 4096;

    public Task StartAsync(CancellationToken cancellation)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        // No buffering in .NET: each line is one write(2), visible to readers (and kept) at once.
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        return Task.CompletedTask;
    }

    public async Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation)
    {
        var file = _file ?? throw new InvalidOperationException("the events file is not open: StartAsync was not called");
        var line = Encoding.UTF8.GetBytes(EventJson.Serialize(monitorEvent) + "\n");
        var end = file.Length;
        try
        {
            await file.WriteAsync(line, cancellation);
        }
        catch (IOException)
        {
            TruncateTo(file, end);
            throw;
        }
    }

    public Task FlushAsync(CancellationToken cancellation)
    {
        _file?.Flush(flushToDisk: true);
        return Task.CompletedTask;
    }

    private static void TruncateTo(FileStream file, long length)
    {
        try
        {
            if (file.Length > length)
                file.SetLength(length);
        }
        catch (IOException)
        {
            // Could not even cut the partial line: readers will see one torn line before the retried event.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
            await _file.DisposeAsync();
    }
}
