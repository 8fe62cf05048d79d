using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Pipeline.Streams.Tickets;

/// <summary>What a ticket shows. <see cref="Token"/> becomes the QR code; <see cref="StartsAt"/> is shown in UTC.</summary>
public sealed record TicketContent(string EventName, string Venue, DateTimeOffset StartsAt, string MemberName, string RegistrationId, string Token);

/// <summary>
/// Renders a ticket as a one-page A6 PDF in memory: event name, venue, start time, member name, the QR code of the
/// token and the registration id in small print. Nothing is written to disk. Every call builds its own document, and
/// the only shared state (PDFsharp's font resolver and font caches) is set once and locked by PDFsharp, so calls may
/// run in parallel.
/// </summary>
/// <remarks>
/// PDFsharp 6.5 is dual-licensed (AGPL-3.0 or commercial) and throws unless the process has loaded one of the two
/// licenses; the host does that at start-up, this class only explains the failure when it did not.
/// </remarks>
public static class TicketPdfRenderer
{
    public const string ContentType = "application/pdf";

    private const double Margin = 22; // points, ~7.8 mm
    private const double QrSide = 171; // points, ~60 mm: 3 pt (~1 mm) per module for a version-8 code with its quiet zone

    /// <summary>The start time as tickets show it, e.g. "Thu 31 Dec 2026, 18:30 UTC".</summary>
    public static string FormatStartsAt(DateTimeOffset startsAt) =>
        startsAt.UtcDateTime.ToString("ddd d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The PDF file name the download endpoint announces.</summary>
    public static string FileName(string registrationId) => $"ticket-{registrationId}.pdf";

    /// <summary>The PDF bytes of the ticket.</summary>
    public static byte[] Render(TicketContent ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(ticket.EventName);
        ArgumentNullException.ThrowIfNull(ticket.Venue);
        ArgumentNullException.ThrowIfNull(ticket.MemberName);
        ArgumentException.ThrowIfNullOrEmpty(ticket.RegistrationId);
        ArgumentException.ThrowIfNullOrEmpty(ticket.Token);

        TicketFonts.EnsureRegistered();
        var qr = TicketQrCode.Encode(ticket.Token);

        using var document = NewDocument();
        document.Info.Title = "Ticket: " + OneLine(ticket.EventName);
        document.Info.Subject = FormatStartsAt(ticket.StartsAt) + ", " + OneLine(ticket.Venue);
        document.Info.Creator = "Pipeline";
        document.Options.CompressContentStreams = true;
        document.Options.FlateEncodeMode = PdfFlateEncodeMode.BestSpeed;

        var page = document.AddPage();
        // A6 (PDFsharp has no PageSize.A6): fits a phone screen and prints four to an A4 sheet.
        page.Width = XUnit.FromMillimeter(105);
        page.Height = XUnit.FromMillimeter(148);
        var pageWidth = page.Width.Point;
        var pageHeight = page.Height.Point;
        var contentWidth = pageWidth - 2 * Margin;

        using (var gfx = XGraphics.FromPdfPage(page))
        {
            // Pens and brushes are mutable PDFsharp objects: each render makes its own rather than sharing statics.
            var ink = new XSolidBrush(XColors.Black);
            var muted = new XSolidBrush(XColor.FromArgb(0x55, 0x55, 0x55));
            var rule = new XPen(XColor.FromArgb(0xBB, 0xBB, 0xBB), 0.75);
            var label = new XFont(TicketFonts.FamilyName, 7, XFontStyleEx.Bold);
            var title = new XFont(TicketFonts.FamilyName, 16, XFontStyleEx.Bold);
            var body = new XFont(TicketFonts.FamilyName, 10, XFontStyleEx.Regular);
            var emphasis = new XFont(TicketFonts.FamilyName, 11, XFontStyleEx.Bold);
            var member = new XFont(TicketFonts.FamilyName, 13, XFontStyleEx.Bold);
            var small = new XFont(TicketFonts.FamilyName, 6.5, XFontStyleEx.Regular);

            // Text from the top; every block has a line limit, so it always ends above the QR code.
            var y = Margin;
            y = DrawLines(gfx, ["TICKET"], label, muted, Margin, y, contentWidth, gap: 4);
            y = DrawLines(gfx, Wrap(gfx, ticket.EventName, title, contentWidth, maxLines: 3), title, ink, Margin, y, contentWidth, gap: 4);
            y = DrawLines(gfx, Wrap(gfx, ticket.Venue, body, contentWidth, maxLines: 2), body, ink, Margin, y, contentWidth, gap: 2);
            y = DrawLines(gfx, [FormatStartsAt(ticket.StartsAt)], emphasis, ink, Margin, y, contentWidth, gap: 8);
            gfx.DrawLine(rule, Margin, y, pageWidth - Margin, y);
            y += 8;
            y = DrawLines(gfx, ["ATTENDEE"], label, muted, Margin, y, contentWidth, gap: 2);
            DrawLines(gfx, Wrap(gfx, ticket.MemberName, member, contentWidth, maxLines: 2), member, ink, Margin, y, contentWidth, gap: 0);

            // QR code and registration id anchored to the bottom.
            var idLines = Wrap(gfx, "Registration " + ticket.RegistrationId, small, contentWidth, maxLines: 2);
            var idHeight = idLines.Count * small.GetHeight();
            var qrTop = pageHeight - Margin - idHeight - 4 - QrSide;
            DrawQrCode(gfx, qr, ink, (pageWidth - QrSide) / 2, qrTop);
            DrawLines(gfx, idLines, small, muted, Margin, qrTop + QrSide + 4, contentWidth, gap: 0, centered: true);
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static PdfDocument NewDocument()
    {
        try
        {
            return new PdfDocument();
        }
        // PDFsharp's own exception type is internal and says only "The loaded license is not valid.".
        catch (Exception e) when (e.GetType().Name == "PdfSharpLicenseException")
        {
            throw new InvalidOperationException(
                "PDFsharp 6.5 renders nothing until the process loads a license, and which one is a licensing decision this " +
                "class does not make: call PdfSharpLicense.LoadLicense(<commercial key>) or PdfSharpLicense.SetAgplLicense() " +
                "(the AGPL-3.0 terms then apply to the service) once at start-up.", e);
        }
    }

    /// <summary>
    /// The dark modules as filled rectangles. Each reaches a hair into the row below, so a rasterizer's
    /// anti-aliasing leaves no light seam between rows (a seam would be read as a light module).
    /// </summary>
    private static void DrawQrCode(XGraphics gfx, QrModules qr, XBrush ink, double left, double top)
    {
        var module = QrSide / qr.Size;
        var rects = new XRect[qr.Dark.Count];
        for (var i = 0; i < rects.Length; i++)
        {
            var dark = qr.Dark[i];
            rects[i] = new XRect(left + dark.Column * module, top + dark.Row * module, dark.Width * module, dark.Height * module + 0.05);
        }
        gfx.DrawRectangles(ink, rects);
    }

    private static double DrawLines(
        XGraphics gfx, IReadOnlyList<string> lines, XFont font, XBrush brush, double x, double y, double width, double gap, bool centered = false)
    {
        var lineHeight = font.GetHeight();
        foreach (var line in lines)
        {
            gfx.DrawString(line, font, brush, new XRect(x, y, width, lineHeight), centered ? XStringFormats.TopCenter : XStringFormats.TopLeft);
            y += lineHeight;
        }
        return y + gap;
    }

    /// <summary>Greedy word wrap to <paramref name="maxLines"/> lines; words wider than a line are broken; an ellipsis marks cut text.</summary>
    private static List<string> Wrap(XGraphics gfx, string text, XFont font, double width, int maxLines)
    {
        var lines = new List<string>();
        var current = "";
        var truncated = false;
        foreach (var word in OneLine(text).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (Fits(gfx, candidate, font, width))
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
            while (!Fits(gfx, remaining, font, width) && lines.Count < maxLines)
            {
                var cut = LongestFittingPrefix(gfx, remaining, font, width);
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
            lines[^1] = WithEllipsis(gfx, lines[^1], font, width);
        return lines;
    }

    private static string WithEllipsis(XGraphics gfx, string line, XFont font, double width)
    {
        const string Ellipsis = "\u2026";
        var elements = StringInfo.ParseCombiningCharacters(line);
        for (var count = elements.Length; count > 0; count--)
        {
            var end = count == elements.Length ? line.Length : elements[count];
            var candidate = line[..end].TrimEnd() + Ellipsis;
            if (Fits(gfx, candidate, font, width))
                return candidate;
        }
        return Ellipsis;
    }

    private static int LongestFittingPrefix(XGraphics gfx, string word, XFont font, double width)
    {
        var starts = StringInfo.ParseCombiningCharacters(word);
        var best = starts.Length > 1 ? starts[1] : word.Length; // at least one text element, or no progress is made
        for (var i = 2; i < starts.Length; i++)
        {
            if (!Fits(gfx, word[..starts[i]], font, width))
                break;
            best = starts[i];
        }
        return best;
    }

    private static bool Fits(XGraphics gfx, string text, XFont font, double width) => gfx.MeasureString(text, font).Width <= width;

    /// <summary>Control characters and line breaks become single spaces: names come from users.</summary>
    private static string OneLine(string text)
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
}
