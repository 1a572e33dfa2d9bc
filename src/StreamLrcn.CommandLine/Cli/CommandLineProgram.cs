using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Serilog;

namespace StreamLrcn.Cli;

/// <summary>
/// The shared entry point of StreamClassifier and ModelTraining: parse errors are one line per
/// error naming the option, what it takes and what was typed (never a CLR type name), with exit
/// code 2; anything a command did not expect ends with its message and exit code 1, not a stack
/// trace (<c>--verbose</c> logs where it came from).
/// </summary>
public static class CommandLineProgram
{
    public static int Run(RootCommand root, Option<bool> verbose, string[] args)
    {
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
            Log.Fatal("Stopped by an unexpected error: {Message}", ex.Message);
            Log.Debug(ex, "Where the error came from");
            return ExitCodes.InputFailed;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }

    private static string CommandPath(CommandResult command) =>
        command.Parent is CommandResult parent ? CommandPath(parent) + " " + command.Command.Name : command.Command.Name;
}
