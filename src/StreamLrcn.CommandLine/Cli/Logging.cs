using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using StreamLrcn.Diagnostics;

namespace StreamLrcn.Cli;

/// <summary>
/// Console logging to stderr, so stdout carries only results (summaries, benchmark tables). The
/// runtime library logs through Microsoft.Extensions.Logging; its fallback factory is pointed at
/// Serilog here, so its messages land in the same console and file.
/// </summary>
public static class Logging
{
    public static void Configure(bool verbose) => Configure(verbose, null);

    /// <summary>Console, plus a daily rolling file (kept 14 days, 100 MB a file) when <paramref name="file"/> is given (the monitor daemon).</summary>
    public static void Configure(bool verbose, string? file)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
        if (file is not null)
            configuration = configuration.WriteTo.File(file, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14,
                fileSizeLimitBytes: 100_000_000, rollOnFileSizeLimit: true,
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}");
        Log.CloseAndFlush();
        Log.Logger = configuration.CreateLogger();
        // Without a logger of its own the provider writes to the static Log.Logger of the moment.
        RuntimeLog.Factory = new SerilogLoggerFactory(dispose: false);
    }
}
