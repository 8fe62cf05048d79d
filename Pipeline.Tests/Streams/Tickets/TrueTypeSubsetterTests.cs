using Pipeline.Streams.Tickets;
using SkiaSharp;

namespace Pipeline.Tests.Streams.Tickets;

public sealed class TrueTypeSubsetterTests
{
    private const string Text = "Zoë Ångström-Ñúñez, Auditorium №2 … 😀 漢";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_subset_measures_and_draws_its_characters_exactly_as_the_whole_face(bool bold)
    {
        var face = bold ? TicketFonts.Bold : TicketFonts.Regular;
        using var subset = face.Subset([Text]);
        using var whole = new SKFont(face.Typeface, 13) { Hinting = SKFontHinting.None, LinearMetrics = true };
        using var cut = new SKFont(subset, 13) { Hinting = SKFontHinting.None, LinearMetrics = true };

        Assert.True(subset.GlyphCount < 40, $"the subset has {subset.GlyphCount} glyphs");
        Assert.Equal(whole.MeasureText(Text), cut.MeasureText(Text));
        Assert.Equal(face.Typeface.PostScriptName, subset.PostScriptName);
        foreach (var rune in Text.EnumerateRunes().Where(r => r.Value != '漢')) // DejaVu has no CJK
        {
            var wholeGlyph = whole.GetGlyph(rune.Value);
            var cutGlyph = cut.GetGlyph(rune.Value);
            Assert.NotEqual(0, cutGlyph);
            // Same outline: composite glyphs (ë, Å, ñ are built from a base letter and an accent) kept their parts.
            using var wholePath = whole.GetGlyphPath(wholeGlyph);
            using var cutPath = cut.GetGlyphPath(cutGlyph);
            Assert.Equal(wholePath?.Bounds ?? SKRect.Empty, cutPath?.Bounds ?? SKRect.Empty);
        }
    }

    [Fact]
    public void Characters_left_out_of_a_subset_and_characters_the_face_lacks_fall_to_the_missing_glyph()
    {
        using var subset = TicketFonts.Regular.Subset(["Asha 漢"]);
        using var font = new SKFont(subset, 10);

        Assert.Equal(0, font.GetGlyph('Q'));
        Assert.Equal(0, font.GetGlyph('漢'));
        Assert.NotEqual(0, font.GetGlyph('A'));
        Assert.Equal(6, subset.GlyphCount); // the missing-glyph box, A, s, h, a and the space
    }

    [Fact]
    public void A_font_that_is_not_truetype_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => TrueTypeFont.Parse("OTTO not really a font"u8.ToArray()));
        Assert.Throws<InvalidDataException>(() => TrueTypeFont.Parse([0, 1, 0, 0]));
    }
}
