using Akka.Actor;
using Akka.Event;
using Serilog;
using Serilog.Events;

namespace StreamLrcn.Cluster;

/// <summary>Akka's log events (membership, sharding, remoting) into the daemon's Serilog log, with the Akka source as context.</summary>
internal sealed class SerilogAkkaLogger : ReceiveActor
{
    public SerilogAkkaLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<Error>(e => Write(LogEventLevel.Error, e));
        Receive<Warning>(e => Write(LogEventLevel.Warning, e));
        Receive<Info>(e => Write(LogEventLevel.Information, e));
        Receive<Debug>(e => Write(LogEventLevel.Debug, e));
    }

    private static void Write(LogEventLevel level, Akka.Event.LogEvent logEvent)
    {
        var logger = Log.ForContext("SourceContext", "Akka." + logEvent.LogClass?.Name);
        var cause = logEvent is Error error ? error.Cause : null;
        logger.Write(level, cause, "Cluster ({AkkaSource}): {AkkaMessage}", logEvent.LogSource, logEvent.Message?.ToString());
    }
}
