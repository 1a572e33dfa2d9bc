using StreamLrcn.Training.Data;

namespace StreamLrcn.Training.Tests.Data;

public sealed class FrameSamplerTests
{
    [Fact]
    public void Fixed_length_sampling_of_a_clip_shorter_than_the_length_repeats_frames_in_order_and_keeps_first_and_last()
    {
        var indices = FrameSampler.Even(frameCount: 5, length: 8);

        // round(i * (5 - 1) / (8 - 1)) for i = 0..7
        Assert.Equal([0, 1, 1, 2, 2, 3, 3, 4], indices);
        Assert.Equal(Enumerable.Range(0, 5), indices.Distinct());
    }

    [Fact]
    public void Fixed_length_sampling_of_a_long_clip_spreads_the_frames_evenly()
    {
        var indices = FrameSampler.Even(frameCount: 100, length: 16);

        Assert.Equal(0, indices[0]);
        Assert.Equal(99, indices[^1]);
        var gaps = indices.Zip(indices.Skip(1), (a, b) => b - a).ToArray();
        Assert.All(gaps, gap => Assert.InRange(gap, 6, 7)); // 99 / 15 = 6.6
    }

    [Fact]
    public void A_one_frame_sequence_takes_the_middle_frame()
    {
        Assert.Equal([4], FrameSampler.Even(frameCount: 9, length: 1));
    }

    [Fact]
    public void Jittered_fixed_length_sampling_keeps_time_order_and_one_index_in_each_share_of_the_clip()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var frames = random.Next(1, 120);
            var length = random.Next(1, 40);
            var indices = FrameSampler.Even(frames, length, random);
            for (var i = 0; i < length; i++)
            {
                Assert.InRange(indices[i], (int)((long)i * frames / length), Math.Min(frames - 1, (int)((long)(i + 1) * frames / length)));
                if (i > 0)
                    Assert.True(indices[i] >= indices[i - 1], $"indices out of order: {string.Join(",", indices)}");
            }
        }
    }

    [Fact]
    public void Window_sampling_takes_consecutive_frames_and_falls_back_to_even_sampling_for_short_clips()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 50; trial++)
        {
            var window = FrameSampler.Window(40, 16, random);
            Assert.InRange(window[0], 0, 24);
            Assert.Equal(Enumerable.Range(window[0], 16), window);
        }
        Assert.Equal(Enumerable.Range(12, 16), FrameSampler.Window(40, 16));
        Assert.Equal(FrameSampler.Even(10, 16), FrameSampler.Window(10, 16, random));
    }

    [Theory]
    [InlineData(100, 16, 4)]
    [InlineData(16, 16, 4)]
    [InlineData(15, 16, 4)]
    [InlineData(61, 20, 7)]
    public void Sliding_windows_start_where_the_runtime_emits_a_window_label(int frames, int window, int stride)
    {
        // The runtime's rule, frame by frame: after n frames, emit when n >= window and (n - window) % stride == 0.
        var expected = new List<int>();
        for (var n = 1; n <= frames; n++)
            if (n >= window && (n - window) % stride == 0)
                expected.Add(n - window);

        Assert.Equal(expected, FrameSampler.SlidingWindowStarts(frames, window, stride));
    }

    [Fact]
    public void Whole_clip_sampling_keeps_every_frame_and_jitter_drops_at_most_a_fifth_at_the_start()
    {
        Assert.Equal(Enumerable.Range(0, 30), FrameSampler.Whole(30));
        var random = new Random(9);
        for (var trial = 0; trial < 50; trial++)
        {
            var indices = FrameSampler.Whole(30, random);
            Assert.Equal(29, indices[^1]);
            Assert.InRange(indices.Length, 24, 30);
            Assert.Equal(Enumerable.Range(indices[0], indices.Length), indices);
        }
    }
}
