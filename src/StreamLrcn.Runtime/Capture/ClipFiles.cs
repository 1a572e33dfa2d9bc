namespace StreamLrcn.Capture;

/// <summary>What counts as a clip in a folder: a video file, or a sub-folder of frames (time order = file-name order).</summary>
public static class ClipFiles
{
    private static readonly HashSet<string> VideoExtensions =
        new(StringComparer.OrdinalIgnoreCase) { ".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv" };

    /// <summary>What <see cref="List"/> looks for, for messages.</summary>
    public static string Expected => $"video files ({string.Join(' ', VideoExtensions.Order())}) or folders of frames";

    /// <summary>Full paths of the clips directly in <paramref name="folder"/>, in ordinal order.</summary>
    public static string[] List(string folder)
    {
        var videos = Directory.EnumerateFiles(folder).Where(f => VideoExtensions.Contains(Path.GetExtension(f)));
        var sequences = Directory.EnumerateDirectories(folder).Where(d => ImageFolderSource.ListImages(d).Length > 0);
        return videos.Concat(sequences).Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToArray();
    }
}
