namespace StreamLrcn.Cli;

/// <summary>Process exit codes, documented in README.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An input failed part-way (corrupt, truncated, camera lost); labels computed before it are in the output.</summary>
    public const int InputFailed = 1;

    /// <summary>Nothing ran: bad arguments, an input that cannot be opened, a model that does not match its manifest.</summary>
    public const int InvalidSetup = 2;

    /// <summary>An output could not be written (an annotated video whose encoder failed); the message says what the encoder reported.</summary>
    public const int OutputFailed = 3;
}
