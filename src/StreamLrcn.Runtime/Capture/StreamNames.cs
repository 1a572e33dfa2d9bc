namespace StreamLrcn.Capture;

/// <summary>
/// Names for the inputs of one run that tell them apart: a file's or folder's name, lengthened
/// by parent folders (<c>wave/p1_t1.avi</c>) only as far as needed to differ from the others.
/// </summary>
public static class StreamNames
{
    /// <summary>The shortest distinguishing path of each input that is a file or folder; null for others (pattern, camera, URL), which name themselves.</summary>
    public static string?[] Distinct(IReadOnlyList<string> inputs)
    {
        var parts = inputs.Select(input => File.Exists(input) || Directory.Exists(input)
            ? Path.GetFullPath(input).TrimEnd(Path.DirectorySeparatorChar).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries)
            : null).ToArray();
        var depth = parts.Select(p => p is null ? 0 : 1).ToArray();
        string? NameOf(int i) => parts[i] is { } p ? string.Join('/', p[^Math.Min(depth[i], p.Length)..]) : null;
        while (true)
        {
            var clashing = Enumerable.Range(0, inputs.Count)
                .Where(i => parts[i] is not null)
                .GroupBy(NameOf, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .SelectMany(g => g)
                .Where(i => depth[i] < parts[i]!.Length)
                .ToArray();
            if (clashing.Length == 0)
                return Enumerable.Range(0, inputs.Count).Select(NameOf).ToArray();
            foreach (var i in clashing)
                depth[i]++;
        }
    }
}
