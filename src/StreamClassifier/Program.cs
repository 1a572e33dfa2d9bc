using System.CommandLine;
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
return CommandLineProgram.Run(root, verbose, args);
