using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
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
    if (parsed.Action is ParseErrorAction)
    {
        foreach (var error in parsed.Errors)
            Log.Error("{Message}", CommandLineErrors.Describe(error));
        Log.Information("'{Command} --help' lists the options", CommandPath(parsed.CommandResult));
        return ExitCodes.InvalidSetup;
    }
    // Synchronous invocation keeps commands on the main thread, which HighGUI windows require.
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // The program's last boundary: what a command did not expect still ends with its message and
    // an exit code, not a stack trace; --verbose adds where it came from.
    Log.Fatal("Stopped by an unexpected error: {Message}", ex.Message);
    Log.Debug(ex, "Where the error came from");
    return ExitCodes.InputFailed;
}
finally
{
    Log.CloseAndFlush();
}

static string CommandPath(CommandResult command) =>
    command.Parent is CommandResult parent ? CommandPath(parent) + " " + command.Command.Name : command.Command.Name;
