namespace StreamLrcn.Cli;

/// <summary>Process exit codes, documented in README.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An input failed part-way (corrupt, truncated, frames skipped as undecodable, camera lost), or the run stopped on an unexpected error; labels computed are in the output.</summary>
    public const int InputFailed = 1;

    /// <summary>Nothing ran: bad arguments, an input that cannot be opened or decodes no frame, a model that does not match its manifest, an invalid configuration.</summary>
    public const int InvalidSetup = 2;

    /// <summary>An output could not be written (a labels file that cannot be created or written, an annotated video whose encoder failed); the message says what the system or the encoder reported.</summary>
    public const int OutputFailed = 3;
}
