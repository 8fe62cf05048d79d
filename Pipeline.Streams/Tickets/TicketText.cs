using System.Globalization;
using System.Text;
using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Fits user text into a ticket's lines: control characters collapse to spaces, words wrap greedily, and what does
/// not fit in the line limit ends in an ellipsis. Widths are measured with the font that draws the text.
/// </summary>
internal static class TicketText
{
    private const string Ellipsis = "\u2026";

    /// <summary>Greedy word wrap to <paramref name="maxLines"/> lines; words wider than a line are broken; an ellipsis marks cut text.</summary>
    public static List<string> Wrap(string text, SKFont font, float width, int maxLines)
    {
        var lines = new List<string>();
        var current = "";
        var truncated = false;
        foreach (var word in OneLine(text).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (Fits(candidate, font, width))
            {
                current = candidate;
                continue;
            }
            if (current.Length > 0)
            {
                lines.Add(current);
                current = "";
            }
            // The word alone may still be too wide: break it between text elements (never inside a surrogate pair).
            var remaining = word;
            while (!Fits(remaining, font, width) && lines.Count < maxLines)
            {
                var cut = LongestFittingPrefix(remaining, font, width);
                lines.Add(remaining[..cut]);
                remaining = remaining[cut..];
            }
            current = remaining;
            if (lines.Count >= maxLines)
            {
                truncated = true;
                break;
            }
        }
        if (!truncated && current.Length > 0)
        {
            if (lines.Count < maxLines)
                lines.Add(current);
            else
                truncated = true;
        }
        if (truncated && lines.Count > maxLines)
            lines.RemoveRange(maxLines, lines.Count - maxLines);
        if (truncated && lines.Count > 0)
            lines[^1] = WithEllipsis(lines[^1], font, width);
        return lines;
    }

    /// <summary>Control characters and line breaks become single spaces: names come from users.</summary>
    public static string OneLine(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space)
                builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    private static string WithEllipsis(string line, SKFont font, float width)
    {
        var elements = StringInfo.ParseCombiningCharacters(line);
        for (var count = elements.Length; count > 0; count--)
        {
            var end = count == elements.Length ? line.Length : elements[count];
            var candidate = line[..end].TrimEnd() + Ellipsis;
            if (Fits(candidate, font, width))
                return candidate;
        }
        return Ellipsis;
    }

    private static int LongestFittingPrefix(string word, SKFont font, float width)
    {
        var starts = StringInfo.ParseCombiningCharacters(word);
        var best = starts.Length > 1 ? starts[1] : word.Length; // at least one text element, or no progress is made
        for (var i = 2; i < starts.Length; i++)
        {
            if (!Fits(word.AsSpan(0, starts[i]), font, width))
                break;
            best = starts[i];
        }
        return best;
    }

    /// <summary>The advance width, as the PDF will place the glyphs (the renderer's fonts use linear metrics, no hinting).</summary>
    private static bool Fits(ReadOnlySpan<char> text, SKFont font, float width) => font.MeasureText(text) <= width;
}
