using System.Globalization;
using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Renders a ticket as a one-page A6 PDF in memory with SkiaSharp's PDF backend: event name, venue, start time,
/// member name, the QR code of the token and the registration id in small print (<see cref="TicketLayout"/>).
/// Nothing is written to disk. Every call builds its own document, fonts, paints and font subsets; the only shared
/// state is the two parsed faces, which are immutable, so calls may run in parallel.
/// </summary>
public static class TicketPdfRenderer
{
    public const string ContentType = "application/pdf";

    private static readonly SKColor Ink = SKColors.Black;
    private static readonly SKColor Muted = new(0x55, 0x55, 0x55);
    private static readonly SKColor RuleColor = new(0xBB, 0xBB, 0xBB);

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

        var qr = TicketQrCode.Encode(ticket.Token);
        TicketLayout layout;
        using (var measuring = new TicketFontSet(TicketFonts.Regular.Typeface, TicketFonts.Bold.Typeface))
            layout = TicketLayout.Compute(ticket, measuring);

        // Drawn with typefaces cut down to the glyphs on the page: the PDF embeds the typeface it is drawn with.
        using var regular = TicketFonts.Regular.Subset(layout.Lines.Where(l => !TicketFontSet.IsBold(l.Role)).Select(l => l.Text));
        using var bold = TicketFonts.Bold.Subset(layout.Lines.Where(l => TicketFontSet.IsBold(l.Role)).Select(l => l.Text));
        using var fonts = new TicketFontSet(regular, bold);

        // No creation date: the same ticket renders to the same bytes every time.
        var metadata = new SKDocumentPdfMetadata(SKDocumentPdfMetadata.DefaultRasterDpi, SKDocumentPdfMetadata.DefaultEncodingQuality)
        {
            Title = "Ticket: " + TicketText.OneLine(ticket.EventName),
            Subject = FormatStartsAt(ticket.StartsAt) + ", " + TicketText.OneLine(ticket.Venue),
            Creator = "Pipeline",
        };
        using var output = new MemoryStream();
        using (var document = SKDocument.CreatePdf(output, metadata)
            ?? throw new InvalidOperationException("SkiaSharp could not create a PDF document (its native library lacks the PDF backend)."))
        {
            DrawPage(document.BeginPage(TicketLayout.PageWidth, TicketLayout.PageHeight), layout, qr, fonts);
            document.EndPage();
            document.Close();
        }
        return output.ToArray();
    }

    private static void DrawPage(SKCanvas canvas, TicketLayout layout, QrModules qr, TicketFontSet fonts)
    {
        using var ink = new SKPaint { Color = Ink, Style = SKPaintStyle.Fill, IsAntialias = true };
        using var muted = new SKPaint { Color = Muted, Style = SKPaintStyle.Fill, IsAntialias = true };
        using var rule = new SKPaint { Color = RuleColor, Style = SKPaintStyle.Stroke, StrokeWidth = 0.75f, IsAntialias = true };

        foreach (var line in layout.Lines)
        {
            canvas.DrawText(line.Text, line.X, line.Baseline, line.Centered ? SKTextAlign.Center : SKTextAlign.Left,
                fonts[line.Role], line.Muted ? muted : ink);
        }
        canvas.DrawLine(TicketLayout.Margin, layout.RuleY, TicketLayout.PageWidth - TicketLayout.Margin, layout.RuleY, rule);
        DrawQrCode(canvas, qr, ink, layout.Qr);
    }

    /// <summary>
    /// The dark modules as filled rectangles: one rectangle per draw, which the PDF writes as a short "x y w h re"
    /// (a single path of them is written as four line segments each, twice the bytes to compress). Each reaches a
    /// hair into the row below, so a rasterizer's anti-aliasing leaves no light seam between rows (a seam would be
    /// read as a light module); 1/16 pt is exact in binary, so it is written short too.
    /// </summary>
    private static void DrawQrCode(SKCanvas canvas, QrModules qr, SKPaint ink, SKRect area)
    {
        const float Overlap = 0.0625f;
        var module = area.Width / qr.Size;
        foreach (var dark in qr.Dark)
            canvas.DrawRect(SKRect.Create(area.Left + dark.Column * module, area.Top + dark.Row * module, dark.Width * module, dark.Height * module + Overlap), ink);
    }
}
