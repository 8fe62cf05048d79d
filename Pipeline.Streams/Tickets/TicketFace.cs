using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// One face of the ticket font: the whole typeface, shared, to measure text with, and the font file, to cut a
/// per-document subset from for drawing (see <see cref="TrueTypeSubsetter"/> for why).
/// </summary>
/// <remarks>
/// A typeface is immutable and safe to use from many threads at once (Skia reference-counts it and serialises its
/// own font-engine calls); fonts and documents made from it are per render.
/// </remarks>
internal sealed class TicketFace
{
    private readonly string _name;
    private readonly TrueTypeFont _file;

    public TicketFace(string name, byte[] file)
    {
        _name = name;
        _file = TrueTypeFont.Parse(file);
        using var data = SKData.CreateCopy(file);
        Typeface = SKTypeface.FromData(data) ?? throw new InvalidOperationException($"SkiaSharp cannot read the font '{name}'.");
    }

    /// <summary>The whole face. Measure with it; its glyph advances are the subset's.</summary>
    public SKTypeface Typeface { get; }

    /// <summary>A new typeface with only the glyphs of <paramref name="texts"/> (and the missing-glyph box). The caller disposes it.</summary>
    public SKTypeface Subset(IEnumerable<string> texts)
    {
        var codePoints = texts.SelectMany(t => t.EnumerateRunes()).Select(r => r.Value).Distinct().ToArray();
        using var font = new SKFont(Typeface);
        var glyphs = font.GetGlyphs(codePoints);
        using var data = SKData.CreateCopy(TrueTypeSubsetter.Subset(_file, codePoints.Select((c, i) => (c, (int)glyphs[i]))));
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"SkiaSharp cannot read the subset of the font '{_name}'.");
    }
}
