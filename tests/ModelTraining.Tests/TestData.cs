namespace StreamLrcn.Training.Tests;

/// <summary>Where the shared real clips are: ../shared/data relative to the repository root.</summary>
internal static class TestData
{
    public static string ArmGestures => Path.Combine(RepositoryRoot, "..", "shared", "data", "arm-gestures");

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "StreamLrcn.sln")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new DirectoryNotFoundException($"no StreamLrcn.sln above {AppContext.BaseDirectory}");
        }
    }
}
