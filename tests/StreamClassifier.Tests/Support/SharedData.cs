namespace StreamLrcn.Tests.Support;

/// <summary>The real clips in ../shared/data beside the repository (see its README).</summary>
public static class SharedData
{
    public static string RepositoryRoot() => RepoPaths.Root;

    public static string ArmGestures => Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data", "arm-gestures"));

    public static bool Available => Directory.Exists(ArmGestures);

    public const string MissingReason = "../shared/data/arm-gestures is not beside the repository (CI provides it)";
}
