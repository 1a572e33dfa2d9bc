using System.Text;
using StreamLrcn.Hosting;

namespace StreamLrcn.Sinks;

/// <summary>Appends events to a JSON lines file; flushed to disk whenever the event queue runs dry, so a stop loses nothing.</summary>
public sealed class JsonLinesEventSink(string path) : IEventSink
{
    private StreamWriter? _writer;

    public Task StartAsync(CancellationToken cancellation)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        return Task.CompletedTask;
    }

    public Task PublishAsync(MonitorEvent monitorEvent, CancellationToken cancellation) =>
        _writer!.WriteLineAsync(EventJson.Serialize(monitorEvent).AsMemory(), cancellation);

    public async Task FlushAsync(CancellationToken cancellation)
    {
        await _writer!.FlushAsync(cancellation);
        await ((FileStream)_writer.BaseStream).FlushAsync(cancellation);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
            await _writer.DisposeAsync();
    }
}
