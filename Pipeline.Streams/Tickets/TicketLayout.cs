using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>One line of text, placed: <see cref="X"/> is its left edge, or its centre when <see cref="Centered"/>.</summary>
internal readonly record struct TicketTextLine(string Text, TicketTextRole Role, bool Muted, float X, float Baseline, bool Centered = false);

/// <summary>
/// Where everything on a ticket's A6 page goes, in points from the top left: text from the top, every block with a
/// line limit so it always ends above the QR code; QR code and registration id anchored to the bottom; the member's
/// photo, when there is one, left of the attendee block, never reaching into the QR code's area.
/// </summary>
internal sealed record TicketLayout(IReadOnlyList<TicketTextLine> Lines, float RuleY, SKRect Qr, SKRect? Photo)
{
    // A6: fits a phone screen and prints four to an A4 sheet.
    public const float PageWidth = 105 / 25.4f * 72;
    public const float PageHeight = 148 / 25.4f * 72;
    public const float Margin = 22; // ~7.8 mm
    public const float QrSide = 171; // ~60 mm: 3 pt (~1 mm) per module for a version-8 code with its quiet zone
    public const float PhotoSide = 56; // ~20 mm, about two lines of member name and the label
    private const float MinPhotoSide = 32; // smaller than this a face is not worth showing
    private const float PhotoGap = 10; // between the photo and the attendee text
    private const float QrGap = 4; // between the QR code and the registration id below it, and above the QR area
    private const float ContentWidth = PageWidth - 2 * Margin;

    /// <summary>Lays <paramref name="ticket"/> out, measuring with <paramref name="fonts"/>; room for a photo when <paramref name="withPhoto"/>.</summary>
    public static TicketLayout Compute(TicketContent ticket, TicketFontSet fonts, bool withPhoto)
    {
        var lines = new List<TicketTextLine>();
        float Add(IEnumerable<string> texts, TicketTextRole role, float x, float top, float gap, bool muted = false, float centeredIn = 0)
        {
            var font = fonts[role];
            var ascent = -font.Metrics.Ascent; // Skia draws at the baseline; the layout works in line tops
            foreach (var text in texts)
            {
                lines.Add(new TicketTextLine(text, role, muted, centeredIn > 0 ? x + centeredIn / 2 : x, top + ascent, centeredIn > 0));
                top += font.Spacing;
            }
            return top + gap;
        }
        List<string> Wrap(string text, TicketTextRole role, float width, int maxLines) => TicketText.Wrap(text, fonts[role], width, maxLines);

        // Bottom first: the QR code's top bounds everything above it.
        var idLines = Wrap("Registration " + ticket.RegistrationId, TicketTextRole.Small, ContentWidth, maxLines: 2);
        var qrTop = MathF.Floor(PageHeight - Margin - idLines.Count * fonts[TicketTextRole.Small].Spacing - QrGap - QrSide);
        Add(idLines, TicketTextRole.Small, Margin, qrTop + QrSide + QrGap, gap: 0, muted: true, centeredIn: ContentWidth);

        var y = Margin;
        y = Add(["TICKET"], TicketTextRole.Label, Margin, y, gap: 4, muted: true);
        y = Add(Wrap(ticket.EventName, TicketTextRole.Title, ContentWidth, maxLines: 3), TicketTextRole.Title, Margin, y, gap: 4);
        y = Add(Wrap(ticket.Venue, TicketTextRole.Body, ContentWidth, maxLines: 2), TicketTextRole.Body, Margin, y, gap: 2);
        y = Add([TicketPdfRenderer.FormatStartsAt(ticket.StartsAt)], TicketTextRole.Emphasis, Margin, y, gap: 8);
        var ruleY = y;
        y += 8;

        // The photo takes what room is left above the QR code, up to its full size (the text above has line limits,
        // so in practice it always gets it).
        var side = withPhoto ? MathF.Min(PhotoSide, qrTop - QrGap - y) : 0;
        SKRect? photo = side >= MinPhotoSide ? SKRect.Create(Margin, y, side, side) : null;
        var textX = photo is null ? Margin : Margin + side + PhotoGap;
        var textWidth = photo is null ? ContentWidth : ContentWidth - side - PhotoGap;
        var memberLines = Wrap(ticket.MemberName, TicketTextRole.Member, textWidth, maxLines: 2);
        if (photo is not null)
        {
            // Label and name centred on the photo's height.
            var block = fonts[TicketTextRole.Label].Spacing + 2 + memberLines.Count * fonts[TicketTextRole.Member].Spacing;
            y += MathF.Max(0, (side - block) / 2);
        }
        y = Add(["ATTENDEE"], TicketTextRole.Label, textX, y, gap: 2, muted: true);
        Add(memberLines, TicketTextRole.Member, textX, y, gap: 0);

        // On whole points: with 3 pt modules every rectangle of the code then has short integer coordinates in the PDF.
        return new TicketLayout(lines, ruleY, SKRect.Create(MathF.Round((PageWidth - QrSide) / 2), qrTop, QrSide, QrSide), photo);
    }
}
