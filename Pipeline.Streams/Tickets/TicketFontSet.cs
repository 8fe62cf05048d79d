using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>What a line of ticket text is; each role has one face and size.</summary>
internal enum TicketTextRole
{
    Label,
    Title,
    Body,
    Emphasis,
    Member,
    Small,
}

/// <summary>
/// The six fonts of a ticket over a regular and a bold typeface. SkiaSharp fonts are mutable native objects, so each
/// render makes its own set (microseconds) rather than sharing statics between threads.
/// </summary>
internal sealed class TicketFontSet : IDisposable
{
    private readonly SKFont[] _fonts;

    public TicketFontSet(SKTypeface regular, SKTypeface bold) =>
        _fonts = [.. Enum.GetValues<TicketTextRole>().Select(role => Font(IsBold(role) ? bold : regular, Size(role)))];

    public SKFont this[TicketTextRole role] => _fonts[(int)role];

    public static bool IsBold(TicketTextRole role) => role is not (TicketTextRole.Body or TicketTextRole.Small);

    public void Dispose()
    {
        foreach (var font in _fonts)
            font.Dispose();
    }

    private static float Size(TicketTextRole role) => role switch
    {
        TicketTextRole.Label => 7,
        TicketTextRole.Title => 16,
        TicketTextRole.Body => 10,
        TicketTextRole.Emphasis => 11,
        TicketTextRole.Member => 13,
        TicketTextRole.Small => 6.5f,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    // Unhinted, linear metrics: a PDF places glyphs at their exact advances, so measuring must do the same or a
    // line that measured as fitting could overrun the margin.
    private static SKFont Font(SKTypeface typeface, float size) =>
        new(typeface, size) { Hinting = SKFontHinting.None, LinearMetrics = true, Subpixel = true };
}
