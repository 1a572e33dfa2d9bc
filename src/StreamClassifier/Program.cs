using System.CommandLine;
using Serilog;
using StreamLrcn.Cli;

var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug details.", Recursive = true };
var root = new RootCommand("StreamLrcn: labels video streams with a pretrained CNN and a stateful GRU head (LRCN).")
{
    ReplayCommand.Create(),
    LiveCommand.Create(),
    BenchCommand.Create(),
    ModelCommand.Create(),
    MonitorCommand.Create(verbose),
    LiveBenchCommand.Create(),
};
root.Options.Add(verbose);

var parsed = root.Parse(args);
Logging.Configure(parsed.GetValue(verbose));
try
{
    // Synchronous invocation keeps commands on the main thread, which HighGUI windows require.
    return parsed.Invoke();
}
finally
{
    Log.CloseAndFlush();
}
