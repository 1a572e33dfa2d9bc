namespace StreamLrcn.Hosting;

/// <summary>How the daemon's run ended, for the process exit code (the host itself returns nothing).</summary>
public sealed class MonitorRun
{
    public int ExitCode { get; set; }
}
