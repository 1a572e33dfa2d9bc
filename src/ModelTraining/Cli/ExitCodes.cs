namespace StreamLrcn.Training.Cli;

/// <summary>Process exit codes of the trainer, documented in README.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Work ran but failed: a clip could not be decoded part-way, or the exported head did not match the trained one (nothing was written).</summary>
    public const int Failed = 1;

    /// <summary>Nothing ran: bad options, a dataset or split that cannot be used, a model that does not load.</summary>
    public const int InvalidSetup = 2;
}
