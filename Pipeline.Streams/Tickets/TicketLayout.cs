using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>One line of text, placed: <see cref="X"/> is its left edge, or its centre when <see cref="Centered"/>.</summary>
internal readonly record struct TicketTextLine(string Text, TicketTextRole Role, bool Muted, float X, float Baseline, bool Centered = false);

/// <summary>
/// Where everything on a ticket's A6 page goes, in points from the top left: text from the top, every block with a
/// line limit so it always ends above the QR code; QR code and registration id anchored to the bottom.
/// </summary>
internal sealed record TicketLayout(IReadOnlyList<TicketTextLine> Lines, float RuleY, SKRect Qr)
{
    // A6: fits a phone screen and prints four to an A4 sheet.
    public const float PageWidth = 105 / 25.4f * 72;
    public const float PageHeight = 148 / 25.4f * 72;
    public const float Margin = 22; // ~7.8 mm
    public const float QrSide = 171; // ~60 mm: 3 pt (~1 mm) per module for a version-8 code with its quiet zone
    private const float QrGap = 4; // between the QR code and the registration id below it
    private const float ContentWidth = PageWidth - 2 * Margin;

    /// <summary>Lays <paramref name="ticket"/> out, measuring with <paramref name="fonts"/>.</summary>
    public static TicketLayout Compute(TicketContent ticket, TicketFontSet fonts)
    {
        var lines = new List<TicketTextLine>();
        float Add(IEnumerable<string> texts, TicketTextRole role, float top, float gap, bool muted = false, bool centered = false)
        {
            var font = fonts[role];
            var ascent = -font.Metrics.Ascent; // Skia draws at the baseline; the layout works in line tops
            foreach (var text in texts)
            {
                lines.Add(new TicketTextLine(text, role, muted, centered ? Margin + ContentWidth / 2 : Margin, top + ascent, centered));
                top += font.Spacing;
            }
            return top + gap;
        }
        List<string> Wrap(string text, TicketTextRole role, int maxLines) => TicketText.Wrap(text, fonts[role], ContentWidth, maxLines);

        var y = Margin;
        y = Add(["TICKET"], TicketTextRole.Label, y, gap: 4, muted: true);
        y = Add(Wrap(ticket.EventName, TicketTextRole.Title, maxLines: 3), TicketTextRole.Title, y, gap: 4);
        y = Add(Wrap(ticket.Venue, TicketTextRole.Body, maxLines: 2), TicketTextRole.Body, y, gap: 2);
        y = Add([TicketPdfRenderer.FormatStartsAt(ticket.StartsAt)], TicketTextRole.Emphasis, y, gap: 8);
        var ruleY = y;
        y += 8;
        y = Add(["ATTENDEE"], TicketTextRole.Label, y, gap: 2, muted: true);
        Add(Wrap(ticket.MemberName, TicketTextRole.Member, maxLines: 2), TicketTextRole.Member, y, gap: 0);

        var idLines = Wrap("Registration " + ticket.RegistrationId, TicketTextRole.Small, maxLines: 2);
        var qrTop = PageHeight - Margin - idLines.Count * fonts[TicketTextRole.Small].Spacing - QrGap - QrSide;
        Add(idLines, TicketTextRole.Small, qrTop + QrSide + QrGap, gap: 0, muted: true, centered: true);

        // On whole points: with 3 pt modules every rectangle of the code then has short integer coordinates in the PDF.
        return new TicketLayout(lines, ruleY, SKRect.Create(MathF.Round((PageWidth - QrSide) / 2), MathF.Floor(qrTop), QrSide, QrSide));
    }
}
