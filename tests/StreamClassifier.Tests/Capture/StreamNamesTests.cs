using StreamLrcn.Capture;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Capture;

public sealed class StreamNamesTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string Touch(string relative)
    {
        var path = _directory.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0]);
        return path;
    }

    [Fact]
    public void Inputs_with_the_same_file_name_get_the_shortest_path_that_tells_them_apart_and_others_keep_their_name()
    {
        var waveP1 = Touch("wave/p1_t1.avi");
        var sideP1 = Touch("raise_arms_side/p1_t1.avi");
        var waveP2 = Touch("wave/p2_t1.avi");
        var deepA = Touch("a/x/same/c.avi");
        var deepB = Touch("b/x/same/c.avi");

        var names = StreamNames.Distinct([waveP1, sideP1, waveP2, deepA, deepB, "pattern"]);

        Assert.Equal(["wave/p1_t1.avi", "raise_arms_side/p1_t1.avi", "p2_t1.avi", "a/x/same/c.avi", "b/x/same/c.avi", null], names);
    }

    [Fact]
    public void The_same_file_given_twice_keeps_its_full_path_and_the_loop_ends()
    {
        var clip = Touch("clip.avi");

        var names = StreamNames.Distinct([clip, clip]);

        Assert.Equal(names[0], names[1]);
        Assert.EndsWith("/clip.avi", names[0]);
    }
}
