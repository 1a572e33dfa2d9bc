namespace StreamLrcn.Tests.Support;

/// <summary>Where the repository and the built daemon are, found from the test assembly's location.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Script(string name) => Path.Combine(Root, "scripts", name);

    public static string DefaultModel => Path.Combine(Root, "models", "default");

    /// <summary>
    /// The frame-only (RGB) default of 2026-11-29, kept as test data: on the RTSP server's test
    /// patterns its label changes every few seconds, where the motion default sees one steady
    /// motion and keeps one label, so tests that need a camera's label to change use it.
    /// </summary>
    public static string FrameOnlyModel => Path.Combine(Root, "tests", "StreamClassifier.Tests", "TestData", "rgb-package-2026-11-29");

    /// <summary>The StreamClassifier build of the same configuration as the tests (Debug or Release).</summary>
    public static string DaemonDll
    {
        get
        {
            // …/tests/StreamClassifier.Tests/bin/<Configuration>/net10.0/
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
            var dll = Path.Combine(Root, "src", "StreamClassifier", "bin", configuration, "net10.0", "StreamClassifier.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"the daemon is not built at {dll}");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StreamLrcn.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("StreamLrcn.sln not found above " + AppContext.BaseDirectory);
    }
}
