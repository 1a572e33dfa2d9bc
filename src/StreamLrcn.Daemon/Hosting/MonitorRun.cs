namespace StreamLrcn.Hosting;

/// <summary>How the daemon's run ended, for the host's exit code (the generic host itself returns nothing).</summary>
public sealed class MonitorRun
{
    public MonitorOutcome Outcome { get; set; } = MonitorOutcome.Completed;
}

/// <summary>Why the daemon stopped.</summary>
public enum MonitorOutcome
{
    /// <summary>Asked to stop (a signal, the host's lifetime).</summary>
    Completed,

    /// <summary>The setup was wrong: a model that does not load, a device that is not there, a bad config value.</summary>
    InvalidSetup,

    /// <summary>An unexpected failure while running.</summary>
    Failed,
}
