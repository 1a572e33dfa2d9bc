using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Cli;

/// <summary>Media and a model written once for all replay tests.</summary>
public sealed class ReplayFixture : IDisposable
{
    private readonly TempDirectory _folder = new();

    public ReplayFixture()
    {
        Model = Path.Combine(_folder.Path, "model");
        TestModels.Write(Model, hidden: 16, window: 8, stride: 4);
        MjpgAvi = TestMedia.MjpgAvi(_folder.File("clip.avi"), frames: 300);
        ShortAvi = TestMedia.MjpgAvi(_folder.File("short.avi"), frames: 45, width: 320, height: 240, fps: 15);
        Folder = TestMedia.ImageFolder(_folder.File("frames"), frames: 40);
        if (TestMedia.HasFfmpeg)
            H264 = TestMedia.H264(_folder.File("clip.mp4"), frames: 300);
    }

    public string Model { get; }

    public string MjpgAvi { get; }

    public string ShortAvi { get; }

    public string Folder { get; }

    /// <summary>Null when ffmpeg is not installed (scripts/install-deps.sh installs it).</summary>
    public string? H264 { get; }

    public TempDirectory Scratch() => new();

    public void Dispose() => _folder.Dispose();
}
