namespace StreamLrcn.Hosting;

/// <summary>
/// glibc gives threads their own malloc arenas (up to 8 per core) and rarely hands their free space
/// back; with the daemon's threads (ffmpeg readers that come and go with reconnects, ONNX Runtime
/// lanes, the thread pool) native memory crept up 0.8-2.8 MiB a minute in soak runs while the
/// managed heap stayed flat, and 0.26 MiB a minute with <c>MALLOC_ARENA_MAX=2</c>. glibc reads the
/// cap once, before <c>Main</c> (a <c>mallopt</c> call from the running daemon came too late: measured
/// 1.1 MiB a minute), so it must come from the environment: the shipped systemd unit and the soak
/// script set it; <see cref="Advice"/> says so when it is missing.
/// </summary>
public static class NativeHeapLimit
{
    public const string Variable = "MALLOC_ARENA_MAX";

    /// <summary>A line for the log when a long run on Linux lacks the cap; null when it is set or not Linux.</summary>
    public static string? Advice() =>
        OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 }
            ? $"{Variable} is not set: glibc's per-thread malloc arenas let native memory creep up over days; " +
              $"start the daemon with {Variable}=2 (deploy/streamlrcn-monitor.service does)"
            : null;
}
