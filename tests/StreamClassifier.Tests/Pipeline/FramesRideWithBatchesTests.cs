using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Pipeline;

/// <summary>
/// Frames a sink draws on ride with their CNN rows to their labels: each label reaches a frame sink
/// with the very frame it was computed from, across streams and parallel CNN lanes, and every
/// frame is freed once the sinks are done with it.
/// </summary>
public sealed class FramesRideWithBatchesTests
{
    [Fact]
    public async Task Frame_N_reaches_the_frame_sinks_with_frame_N_label_and_is_freed_after()
    {
        var package = ModelPackage.Load(RepoPaths.FrameOnlyModel);
        var options = new PipelineOptions(new CnnOptions(DeviceRequest.Cpu, CnnPrecision.Float32, InFlightBatches: 2),
            new BatchingOptions(3, TimeSpan.FromMilliseconds(5)), new TemporalOptions(8, 4, TimeSpan.FromSeconds(1)), PipelineMode.Replay);
        var frames = new FrameSinkRecorder();
        var labels = new LabelRecorder();
        using (var pipeline = new ClassificationPipeline(package, options, [labels, frames]))
        {
            var result = await pipeline.RunAsync([new NumberedSource("a", 0, 40), new NumberedSource("b", 1, 25)], CancellationToken.None);
            Assert.Equal(65, result.FramesLabelled);
        }

        // The frame sink saw every label, in the order the label sink did, each with its own frame:
        // the pixels (drawn from the stream and sequence by the source) say which frame it is.
        Assert.Equal(labels.Seen, frames.Seen.Select(s => s.Label));
        Assert.All(frames.Seen, s => Assert.Equal(s.Label, s.FrameHeader));
        Assert.All(frames.Seen, s => Assert.Equal(NumberedSource.Pixel(s.Label.Stream, s.Label.Sequence), s.Pixel));
        Assert.Equal(40, frames.Seen.Count(s => s.Label.Stream == 0));
        Assert.All(frames.Images, image => Assert.True(image.IsDisposed, "a frame outlived its label"));
    }

    /// <summary>Frames of one uniform colour that encodes the stream and the sequence.</summary>
    private sealed class NumberedSource(string name, int stream, int count) : IFrameSource
    {
        private int _next;

        public string Name => name;

        public double FramesPerSecond => 30;

        public long? ExpectedFrameCount => count;

        public static Vec3b Pixel(int stream, long sequence) => new((byte)(sequence % 256), (byte)(sequence / 256), (byte)(100 + stream));

        public bool Read(Mat image, out SourceReading reading)
        {
            reading = new SourceReading(TimeSpan.FromSeconds(_next / 30.0), false);
            if (_next >= count)
                return false;
            image.Create(48, 64, MatType.CV_8UC3);
            var pixel = Pixel(stream, _next++);
            image.SetTo(new Scalar(pixel.Item0, pixel.Item1, pixel.Item2));
            return true;
        }

        public void Dispose()
        {
        }
    }

    private sealed class FrameSinkRecorder : IFrameSink
    {
        public List<((int Stream, long Sequence) Label, (int, long) FrameHeader, Vec3b Pixel)> Seen { get; } = [];

        public List<Mat> Images { get; } = [];

        public void Write(FrameLabel label, Frame frame)
        {
            Seen.Add(((label.Header.Stream.Id, label.Header.Sequence), (frame.Header.Stream.Id, frame.Header.Sequence), frame.Image.At<Vec3b>(10, 10)));
            Images.Add(frame.Image);
        }

        public void Write(FrameLabel label) => throw new InvalidOperationException($"label {label.Header.Sequence} came without its frame");

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class LabelRecorder : ILabelSink
    {
        public List<(int Stream, long Sequence)> Seen { get; } = [];

        public void Write(FrameLabel label) => Seen.Add((label.Header.Stream.Id, label.Header.Sequence));

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
