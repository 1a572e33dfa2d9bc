using System.Text;
using System.Text.RegularExpressions;

namespace StreamLrcn.Training.Data;

/// <summary>
/// File-name patterns that pick clips: shell-style globs (<c>*</c>, <c>?</c>, <c>[12]</c>), several
/// separated by commas, matched against a clip's name (<c>p1_t2.avi</c>) or its <c>label/name</c>.
/// </summary>
public sealed class ClipPattern
{
    private readonly Regex[] _patterns;

    public ClipPattern(string text)
    {
        Text = text;
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            throw new DatasetException($"clip pattern '{text}' is empty: expected globs such as p1_* or p1_t1*,p1_t2*");
        _patterns = parts.Select(ToRegex).ToArray();
    }

    public string Text { get; }

    public bool Matches(LabelledClip clip) => _patterns.Any(p => p.IsMatch(clip.Name) || p.IsMatch(clip.Id));

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
                        throw new DatasetException($"clip pattern '{glob}' has '[' without ']'");
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
