namespace StreamLrcn.Tests.Support;

/// <summary>The real clips in ../shared/data beside the repository (see its README).</summary>
public static class SharedData
{
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "StreamLrcn.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("StreamLrcn.sln not found above the test folder");
    }

    public static string ArmGestures => Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data", "arm-gestures"));

    public static bool Available => Directory.Exists(ArmGestures);

    public const string MissingReason = "../shared/data/arm-gestures is not beside the repository (CI provides it)";
}
