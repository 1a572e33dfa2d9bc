using OpenCvSharp;

namespace StreamLrcn.Capture;

/// <summary>
/// A folder of still images played as a clip: time order is file-name order (ordinal), the layout
/// of image-sequence datasets. Timestamps are index / <see cref="FramesPerSecond"/>.
/// </summary>
public sealed class ImageFolderSource : IFrameSource
{
    private static readonly HashSet<string> Extensions =
        new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm" };

    private readonly string[] _files;
    private int _next;

    public ImageFolderSource(string folder, double framesPerSecond = 30)
    {
        if (!double.IsFinite(framesPerSecond) || framesPerSecond <= 0)
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "an image folder's frame rate must be above 0");
        if (!Directory.Exists(folder))
            throw new FrameSourceException($"input folder '{folder}' does not exist");
        _files = ListImages(folder);
        if (_files.Length == 0)
            throw new FrameSourceException(
                $"input folder '{folder}' holds no images: expected files named in time order with one of {string.Join(' ', Extensions.Order())}");
        Name = new DirectoryInfo(folder).Name;
        FramesPerSecond = framesPerSecond;
    }

    public string Name { get; }

    public double FramesPerSecond { get; }

    public long? ExpectedFrameCount => _files.Length;

    /// <summary>The images of <paramref name="folder"/> in the order they are played.</summary>
    public static string[] ListImages(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public bool Read(Mat image, out SourceReading reading)
    {
        reading = default;
        if (_next >= _files.Length)
            return false;
        var file = _files[_next];
        using (var decoded = Cv2.ImRead(file, ImreadModes.Color))
        {
            if (decoded.Empty())
                throw new FrameSourceException($"image '{file}' (frame {_next} of the folder) could not be decoded: expected a readable image file");
            decoded.CopyTo(image);
        }
        reading = new SourceReading(TimeSpan.FromSeconds(_next / FramesPerSecond), false);
        _next++;
        return true;
    }

    public void Dispose()
    {
    }
}
