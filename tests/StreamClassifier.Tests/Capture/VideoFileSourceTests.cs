using OpenCvSharp;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Capture;

public sealed class VideoFileSourceTests
{
    [SkippableFact]
    public void One_decoder_thread_decodes_the_same_frames_as_ffmpegs_own_choice()
    {
        Skip.IfNot(TestMedia.HasFfmpeg, "ffmpeg is not installed (scripts/install-deps.sh installs it)");
        using var dir = new TempDirectory();
        var video = TestMedia.H264(Path.Combine(dir.Path, "clip.mp4"), frames: 40);

        using var single = new VideoFileSource(video, decoderThreads: 1);
        using var own = new VideoFileSource(video);
        Assert.Equal(1, single.DecoderThreads);
        // FFmpeg's own choice is a thread per core (OpenCV caps it): more than one wherever there are cores to spare.
        Assert.True(Environment.ProcessorCount == 1 || own.DecoderThreads > 1, $"FFmpeg chose {own.DecoderThreads} thread(s) on {Environment.ProcessorCount} cores");

        using var a = new Mat();
        using var b = new Mat();
        var frames = 0;
        while (single.Read(a, out var readingA))
        {
            Assert.True(own.Read(b, out var readingB), $"FFmpeg's own threads ended at frame {frames}, one thread went on");
            Assert.Equal(readingB.Timestamp, readingA.Timestamp);
            Assert.Equal(0, Cv2.Norm(a, b, NormTypes.L1));
            frames++;
        }
        Assert.False(own.Read(b, out _));
        Assert.Equal(40, frames);
    }

    [Fact]
    public void A_cnn_on_the_cpu_gets_one_decoder_thread_per_file_and_cuda_leaves_it_to_ffmpeg()
    {
        Assert.Equal(1, CnnOptions.Cpu.DecoderThreadsPerFile);
        Assert.Equal(0, new CnnOptions(new DeviceRequest(DeviceKind.Cuda)).DecoderThreadsPerFile);
    }
}
