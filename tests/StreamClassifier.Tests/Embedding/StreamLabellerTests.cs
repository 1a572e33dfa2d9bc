using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Embedding;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Support;
using StreamLrcn.Validation;

namespace StreamLrcn.Tests.Embedding;

/// <summary>The embedding API in process: labels read as an async stream, options named in errors, early stops release everything.</summary>
public sealed class StreamLabellerTests
{
    private static StreamLabellerOptions Options => new() { ModelPath = RepoPaths.DefaultModel, Device = DeviceRequest.Cpu };

    [Fact]
    public async Task Every_frame_of_every_source_yields_one_label_in_stream_order()
    {
        await using var labeller = StreamLabeller.Create(Options);
        labeller.AddSource(new TestPatternSource("a", 160, 120, frames: 40));
        labeller.AddSource(new TestPatternSource("b", 160, 120, frames: 25, reverse: true));

        var labels = new List<FrameLabel>();
        await foreach (var label in labeller.ReadLabelsAsync())
            labels.Add(label);

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), labels.Where(l => l.Header.Stream.Name == "a").Select(l => l.Header.Sequence));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), labels.Where(l => l.Header.Stream.Name == "b").Select(l => l.Header.Sequence));
        Assert.All(labels, l => Assert.Equal(labeller.Labels.Count, l.Probabilities.Length));
        Assert.Equal(65, labeller.Result!.FramesLabelled);
        Assert.Equal(ResetReason.StreamStart, labels.First(l => l.Header.Stream.Name == "b").Reset);
    }

    [Fact]
    public void An_option_out_of_range_is_named_as_the_library_knows_it()
    {
        var ex = Assert.Throws<InvalidOptionException>(() => StreamLabeller.Create(Options with { Window = 0 }));
        Assert.Equal("StreamLabellerOptions.Window must be 1 to 10000 frames (or null for the package's), found 0", ex.Message);
        Assert.Equal("Window", ex.Option);

        var batch = Assert.Throws<InvalidOptionException>(() => StreamLabeller.Create(Options with { BatchSize = 5000 }));
        Assert.StartsWith("StreamLabellerOptions.BatchSize must be 1 to 1024 frames", batch.Message);
    }

    [Fact]
    public void A_missing_package_says_what_was_expected()
    {
        using var empty = new TempDirectory();
        var ex = Assert.Throws<ModelPackageException>(() => StreamLabeller.Create(Options with { ModelPath = empty.Path }));
        Assert.Contains("manifest.json", ex.Message);
    }

    [Fact]
    public async Task Stopping_the_enumeration_early_stops_the_run_and_disposes_the_sources()
    {
        var endless = new WatchedSource(new TestPatternSource("endless", 160, 120, frames: 0));
        await using var labeller = StreamLabeller.Create(Options);
        labeller.AddSource(endless);

        var read = 0;
        await foreach (var _ in labeller.ReadLabelsAsync())
            if (++read == 10)
                break;

        Assert.Equal(10, read);
        Assert.True(endless.Disposed, "the endless source is still open after the reader stopped");
        Assert.Null(labeller.Result);
    }

    [Fact]
    public async Task Cancellation_ends_the_enumeration_with_the_labels_read_so_far()
    {
        var endless = new WatchedSource(new TestPatternSource("endless", 160, 120, frames: 0));
        await using var labeller = StreamLabeller.Create(Options);
        labeller.AddSource(endless);
        using var cancel = new CancellationTokenSource();

        var read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in labeller.ReadLabelsAsync(cancel.Token))
                if (++read == 5)
                    await cancel.CancelAsync();
        });
        Assert.Equal(5, read);
        Assert.True(endless.Disposed);
    }

    [Fact]
    public async Task A_labeller_runs_once_and_takes_sources_only_before_it_runs()
    {
        await using var labeller = StreamLabeller.Create(Options);
        labeller.AddSource(new TestPatternSource("once", 160, 120, frames: 3));
        await foreach (var _ in labeller.ReadLabelsAsync())
        {
        }
        Assert.Throws<InvalidOperationException>(() => labeller.AddSource(new TestPatternSource("late", 160, 120, frames: 3)));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in labeller.ReadLabelsAsync())
            {
            }
        });
    }

    /// <summary>A source that records whether the pipeline disposed it.</summary>
    private sealed class WatchedSource(IFrameSource inner) : IFrameSource
    {
        public volatile bool Disposed;

        public string Name => inner.Name;

        public double FramesPerSecond => inner.FramesPerSecond;

        public long? ExpectedFrameCount => inner.ExpectedFrameCount;

        public bool Read(Mat image, out SourceReading reading) => inner.Read(image, out reading);

        public void Dispose()
        {
            Disposed = true;
            inner.Dispose();
        }
    }
}
