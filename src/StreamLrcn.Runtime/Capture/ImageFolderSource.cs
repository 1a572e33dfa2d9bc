using OpenCvSharp;
using Microsoft.Extensions.Logging;
using StreamLrcn.Diagnostics;

namespace StreamLrcn.Capture;

/// <summary>
/// A folder of still images played as a clip: time order is file-name order (ordinal), the layout
/// of image-sequence datasets. Timestamps are index / <see cref="FramesPerSecond"/>. An image that
/// cannot be decoded is skipped (its time stays unused) and counted; a folder where none decodes fails.
/// </summary>
public sealed class ImageFolderSource : IFrameSource
{
    private static readonly HashSet<string> Extensions =
        new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm" };

    private readonly string _folder;
    private readonly string[] _files;
    private int _next;
    private readonly ILogger _logger;
    private long _skipped;

    /// <param name="name">Name in outputs; the folder's name when null.</param>
    public ImageFolderSource(string folder, double framesPerSecond = 30, string? name = null, ILogger? logger = null)
    {
        _logger = logger ?? RuntimeLog.For<ImageFolderSource>();
        if (!double.IsFinite(framesPerSecond) || framesPerSecond <= 0)
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "an image folder's frame rate must be above 0");
        if (!Directory.Exists(folder))
            throw new FrameSourceException($"input folder '{folder}' does not exist");
        _files = ListImages(folder);
        if (_files.Length == 0)
            throw new FrameSourceException(
                $"input folder '{folder}' holds no images: expected files named in time order with one of {string.Join(' ', Extensions.Order())}");
        _folder = folder;
        Name = name ?? new DirectoryInfo(folder).Name;
        FramesPerSecond = framesPerSecond;
    }

    public string Name { get; }

    public double FramesPerSecond { get; }

    public long? ExpectedFrameCount => _files.Length;

    public long FramesSkipped => _skipped;

    /// <summary>The images of <paramref name="folder"/> in the order they are played.</summary>
    public static string[] ListImages(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public bool Read(Mat image, out SourceReading reading)
    {
        reading = default;
        while (_next < _files.Length)
        {
            var index = _next++;
            using var decoded = Cv2.ImRead(_files[index], ImreadModes.Color);
            if (decoded.Empty())
            {
                _skipped++;
                _logger.LogWarning("Image {File} (frame {Index} of the folder) could not be decoded: skipped", _files[index], index);
                continue;
            }
            decoded.CopyTo(image);
            reading = new SourceReading(TimeSpan.FromSeconds(index / FramesPerSecond), false);
            return true;
        }
        if (_skipped == _files.Length)
            throw new FrameSourceException($"input folder '{_folder}': none of its {_files.Length} images could be decoded: expected readable image files");
        return false;
    }

    public void Dispose()
    {
    }
}
