using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace StreamLrcn.Training.Tests;

/// <summary>
/// Installs a Serilog logger that keeps every event as Serilog's static <see cref="Log"/> logger, and puts the
/// previous logger back on dispose. Safe because this assembly runs its test collections one at a time.
/// </summary>
internal sealed class LogCapture : IDisposable, ILogEventSink
{
    private readonly ILogger _previous = Log.Logger;
    private readonly List<LogEvent> _events = [];

    public LogCapture() => Log.Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    /// <summary>The events so far, as (level, rendered message).</summary>
    public IReadOnlyList<(LogEventLevel Level, string Message)> Events
    {
        get
        {
            lock (_events)
                return _events.Select(e => (e.Level, e.RenderMessage())).ToArray();
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_events)
            _events.Add(logEvent);
    }

    public void Dispose()
    {
        var mine = Log.Logger;
        Log.Logger = _previous;
        (mine as IDisposable)?.Dispose();
    }
}
