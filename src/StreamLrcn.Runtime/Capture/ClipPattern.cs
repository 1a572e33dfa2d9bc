using System.Text;
using System.Text.RegularExpressions;

namespace StreamLrcn.Capture;

/// <summary>
/// File-name patterns that pick clips: shell-style globs (<c>*</c>, <c>?</c>, <c>[12]</c>), several
/// separated by commas, matched against a clip's name (<c>p1_t2.avi</c>) or its <c>label/name</c>.
/// The trainer splits datasets with them and <c>model calibrate</c> picks its clips with them.
/// </summary>
public sealed class ClipPattern
{
    private readonly Regex[] _patterns;

    public ClipPattern(string text)
    {
        Text = text;
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            throw new FormatException($"clip pattern '{text}' is empty: expected globs such as p1_* or p1_t1*,p1_t2*");
        _patterns = parts.Select(ToRegex).ToArray();
    }

    public string Text { get; }

    /// <summary>Whether a clip path matches: by its file or folder name, or by <c>parent/name</c>.</summary>
    public bool Matches(string clipPath)
    {
        var trimmed = clipPath.TrimEnd(Path.DirectorySeparatorChar);
        var name = Path.GetFileName(trimmed);
        var id = $"{Path.GetFileName(Path.GetDirectoryName(trimmed))}/{name}";
        return _patterns.Any(p => p.IsMatch(name) || p.IsMatch(id));
    }

    public override string ToString() => Text;

    private static Regex ToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*':
                    pattern.Append(".*");
                    break;
                case '?':
                    pattern.Append('.');
                    break;
                case '[':
                    var close = glob.IndexOf(']', i + 1);
                    if (close < 0)
                        throw new FormatException($"clip pattern '{glob}' has '[' without ']'");
                    pattern.Append('[').Append(Regex.Escape(glob[(i + 1)..close]).Replace("\\-", "-")).Append(']');
                    i = close;
                    break;
                default:
                    pattern.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
