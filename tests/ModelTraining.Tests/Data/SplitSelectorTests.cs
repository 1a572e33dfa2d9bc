using StreamLrcn.Capture;
using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Tests.Data;

public sealed class SplitSelectorTests : IDisposable
{
    private static readonly string[] Labels = ["raise_arms_side", "wave", "raise_arms_front"];
    private readonly TemporaryDirectory _root = new();

    public SplitSelectorTests()
    {
        // The arm-gestures layout: label/p<person>_t<trial>.avi. Splitting never opens the files.
        foreach (var label in Labels)
        {
            Directory.CreateDirectory(_root.Combine(label));
            foreach (var person in new[] { 1, 2 })
                foreach (var trial in new[] { 1, 2, 3 })
                    File.WriteAllBytes(_root.Combine(label, $"p{person}_t{trial}.avi"), [1]);
        }
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void A_pattern_split_trains_on_one_person_and_validates_on_the_other()
    {
        var dataset = ClipDataset.Scan(_root.Path, Labels);

        var split = SplitSelector.ByPattern(dataset, new ClipPattern("p1_*"), new ClipPattern("p2_*"));

        Assert.Equal(9, split.Train.Count);
        Assert.Equal(9, split.Validation.Count);
        Assert.All(split.Train, c => Assert.StartsWith("p1_", c.Name));
        Assert.All(split.Validation, c => Assert.StartsWith("p2_", c.Name));
        Assert.Equal(Labels, dataset.Labels);
        Assert.All(dataset.Clips, c => Assert.Equal(Array.IndexOf(Labels, c.Label), c.LabelIndex));
    }

    [Fact]
    public void Patterns_accept_character_classes_lists_and_label_paths()
    {
        var dataset = ClipDataset.Scan(_root.Path);

        var split = SplitSelector.ByPattern(dataset, new ClipPattern("p?_t[12]*"), new ClipPattern("wave/p1_t3.avi, p2_t3*"));

        Assert.Equal(12, split.Train.Count);
        Assert.Equal(["raise_arms_front/p2_t3.avi", "raise_arms_side/p2_t3.avi", "wave/p1_t3.avi", "wave/p2_t3.avi"],
            split.Validation.Select(c => c.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Overlapping_train_and_validation_patterns_are_refused_naming_the_clips()
    {
        var dataset = ClipDataset.Scan(_root.Path);

        var error = Assert.Throws<DatasetException>(() => SplitSelector.ByPattern(dataset, new ClipPattern("p1_*"), new ClipPattern("*_t1*")));

        Assert.Contains("wave/p1_t1.avi", error.Message);
        Assert.Contains("disjoint", error.Message);
    }

    [Fact]
    public void A_train_pattern_that_misses_a_label_is_refused()
    {
        var dataset = ClipDataset.Scan(_root.Path);
        File.Move(_root.Combine("wave", "p1_t1.avi"), _root.Combine("wave", "x1_t1.avi"));
        File.Move(_root.Combine("wave", "p1_t2.avi"), _root.Combine("wave", "x1_t2.avi"));
        File.Move(_root.Combine("wave", "p1_t3.avi"), _root.Combine("wave", "x1_t3.avi"));
        dataset = ClipDataset.Scan(_root.Path);

        var error = Assert.Throws<DatasetException>(() => SplitSelector.ByPattern(dataset, new ClipPattern("p1_*"), null));

        Assert.Contains("wave", error.Message);
    }

    [Fact]
    public void A_fraction_split_holds_out_the_same_share_of_every_label_and_repeats_for_the_same_seed()
    {
        var dataset = ClipDataset.Scan(_root.Path);

        var first = SplitSelector.ByFraction(dataset, 1.0 / 3, seed: 4);
        var second = SplitSelector.ByFraction(dataset, 1.0 / 3, seed: 4);

        Assert.All(dataset.Labels, label => Assert.Equal(2, first.Validation.Count(c => c.Label == label)));
        Assert.Equal(12, first.Train.Count);
        Assert.Empty(first.Train.Intersect(first.Validation));
        Assert.Equal(first.Validation, second.Validation);
        Assert.Equal(first.Train, second.Train);
    }

    [Fact]
    public void Image_sequence_folders_and_video_files_are_both_clips_and_other_files_are_not()
    {
        using var root = new TemporaryDirectory();
        Directory.CreateDirectory(root.Combine("left", "seq_a"));
        File.WriteAllBytes(root.Combine("left", "seq_a", "0001.png"), [1]);
        Directory.CreateDirectory(root.Combine("left", "empty_folder"));
        File.WriteAllBytes(root.Combine("left", "notes.txt"), [1]);
        Directory.CreateDirectory(root.Combine("right"));
        File.WriteAllBytes(root.Combine("right", "clip.mp4"), [1]);

        var dataset = ClipDataset.Scan(root.Path);

        Assert.Equal(["left/seq_a", "right/clip.mp4"], dataset.Clips.Select(c => c.Id));
    }

    [Fact]
    public void A_label_order_that_does_not_match_the_folders_is_refused()
    {
        var error = Assert.Throws<DatasetException>(() => ClipDataset.Scan(_root.Path, ["wave", "raise_arms_side", "jump"]));

        Assert.Contains("raise_arms_front", error.Message);
    }

    [Fact]
    public void The_real_arm_gesture_clips_split_by_person_into_nine_and_nine()
    {
        var dataset = ClipDataset.Scan(TestData.ArmGestures, Labels);

        var split = SplitSelector.ByPattern(dataset, new ClipPattern("p1_*"), new ClipPattern("p2_*"));

        Assert.Equal(18, dataset.Clips.Count);
        Assert.Equal(9, split.Train.Count);
        Assert.Equal(9, split.Validation.Count);
        Assert.All(Labels, label => Assert.Equal(3, split.Validation.Count(c => c.Label == label)));
    }
}
