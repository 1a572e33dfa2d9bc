using System.Globalization;
using System.Text.RegularExpressions;

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// Where a label event's files live: <c>FOLDER/CAMERA/STAMP.jpg</c> (with the overlay),
/// <c>STAMP-clean.jpg</c> and <c>STAMP.mp4</c>, STAMP being the event's UTC time to the tick.
/// Names are built only from a validated camera name and a time, and resolved paths are checked
/// to stay under the folder, so nothing a client sends can reach outside it.
/// </summary>
public sealed partial class EventMedia(string folder)
{
    [GeneratedRegex("^[A-Za-z0-9_-]+/[0-9]{8}T[0-9]{6}_[0-9]{7}Z$")]
    private static partial Regex MediaName();

    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>The media name of <paramref name="camera"/>'s label event at <paramref name="time"/>.</summary>
    public static string NameFor(string camera, DateTimeOffset time) =>
        camera + "/" + time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'_'fffffff'Z'", CultureInfo.InvariantCulture);

    public string Snapshot(string media) => Resolve(media, ".jpg");

    public string CleanSnapshot(string media) => Resolve(media, "-clean.jpg");

    public string Clip(string media) => Resolve(media, ".mp4");

    /// <summary>Every file an event's media name may have.</summary>
    public IEnumerable<string> FilesOf(string media) => [Snapshot(media), CleanSnapshot(media), Clip(media)];

    private string Resolve(string media, string suffix)
    {
        if (!MediaName().IsMatch(media))
            throw new ArgumentException($"not a media name: '{media}'", nameof(media));
        var path = Path.GetFullPath(Path.Combine(Folder, media + suffix));
        if (!path.StartsWith(Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"media name '{media}' leaves the media folder", nameof(media));
        return path;
    }
}
