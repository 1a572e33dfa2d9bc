using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Tests.Data;

public sealed class BackgroundClassTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    public BackgroundClassTests()
    {
        foreach (var label in new[] { "wave", "raise_arms_side", "_none" })
        {
            Directory.CreateDirectory(_root.Combine(label));
            foreach (var person in new[] { 1, 2 })
                File.WriteAllBytes(_root.Combine(label, $"p{person}_t1.avi"), [1]);
        }
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Clips_in_the_none_folder_train_a_last_class_named_none_whatever_the_order_of_the_gestures()
    {
        var byName = ClipDataset.Scan(_root.Path);
        var ordered = ClipDataset.Scan(_root.Path, ["wave", "raise_arms_side"]);
        var asPackaged = ClipDataset.Scan(_root.Path, ["wave", "raise_arms_side", "none"]);

        Assert.Equal(["raise_arms_side", "wave", "none"], byName.Labels);
        Assert.Equal(["wave", "raise_arms_side", "none"], ordered.Labels);
        Assert.Equal(ordered.Labels, asPackaged.Labels);
        var background = ordered.Clips.Where(c => c.Label == "none").ToArray();
        Assert.Equal(2, background.Length);
        Assert.All(background, c => Assert.Equal(2, c.LabelIndex));
        Assert.All(background, c => Assert.Equal("_none", Path.GetFileName(Path.GetDirectoryName(c.Path))));
        Assert.Equal(6, ordered.Clips.Count);
    }

    [Fact]
    public void None_anywhere_but_last_in_the_label_order_is_refused()
    {
        var error = Assert.Throws<DatasetException>(() => ClipDataset.Scan(_root.Path, ["none", "wave", "raise_arms_side"]));

        Assert.Contains("expected 'none' (the _none clips) last", error.Message);
    }
}
