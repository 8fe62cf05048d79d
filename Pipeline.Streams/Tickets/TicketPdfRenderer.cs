using System.Globalization;
using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Renders a ticket as a one-page A6 PDF in memory with SkiaSharp's PDF backend: event name, venue, start time,
/// member name (with the member's photo when there is one), the QR code of the token and the registration id in
/// small print (<see cref="TicketLayout"/>).
/// Nothing is written to disk. Every call builds its own document, fonts, paints and font subsets; the only shared
/// state is the two parsed faces, which are immutable, so calls may run in parallel.
/// </summary>
public static class TicketPdfRenderer
{
    public const string ContentType = "application/pdf";

    private static readonly SKColor Ink = SKColors.Black;
    private static readonly SKColor Muted = new(0x55, 0x55, 0x55);
    private static readonly SKColor RuleColor = new(0xBB, 0xBB, 0xBB);

    /// <summary>The PDF stores opaque images (the photo thumbnail) as JPEG at this quality rather than losslessly (several times the bytes).</summary>
    private const int PhotoJpegQuality = 85;

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
        using var photo = TicketPhoto.TryThumbnail(ticket.Photo);
        TicketLayout layout;
        using (var measuring = new TicketFontSet(TicketFonts.Regular.Typeface, TicketFonts.Bold.Typeface))
            layout = TicketLayout.Compute(ticket, measuring, withPhoto: photo is not null);

        // Drawn with typefaces cut down to the glyphs on the page: the PDF embeds the typeface it is drawn with.
        using var regular = TicketFonts.Regular.Subset(layout.Lines.Where(l => !TicketFontSet.IsBold(l.Role)).Select(l => l.Text));
        using var bold = TicketFonts.Bold.Subset(layout.Lines.Where(l => TicketFontSet.IsBold(l.Role)).Select(l => l.Text));
        using var fonts = new TicketFontSet(regular, bold);

        // No creation date: nothing on a ticket depends on when it was rendered.
        var metadata = new SKDocumentPdfMetadata(SKDocumentPdfMetadata.DefaultRasterDpi, PhotoJpegQuality)
        {
            Title = "Ticket: " + TicketText.OneLine(ticket.EventName),
            Subject = FormatStartsAt(ticket.StartsAt) + ", " + TicketText.OneLine(ticket.Venue),
            Creator = "Pipeline",
        };
        using var output = new MemoryStream();
        using (var document = SKDocument.CreatePdf(output, metadata)
            ?? throw new InvalidOperationException("SkiaSharp could not create a PDF document (its native library lacks the PDF backend)."))
        {
            DrawPage(document.BeginPage(TicketLayout.PageWidth, TicketLayout.PageHeight), layout, qr, fonts, photo);
            document.EndPage();
            document.Close();
        }
        return output.ToArray();
    }

    private static void DrawPage(SKCanvas canvas, TicketLayout layout, QrModules qr, TicketFontSet fonts, SKImage? photo)
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
        if (photo is not null && layout.Photo is { } area)
            DrawPhoto(canvas, photo, area, rule);
    }

    /// <summary>The thumbnail with rounded corners and a hairline edge, which keeps a pale photo from melting into the page.</summary>
    private static void DrawPhoto(SKCanvas canvas, SKImage photo, SKRect area, SKPaint edge)
    {
        const float Radius = 6;
        using var shape = new SKRoundRect(area, Radius);
        canvas.Save();
        canvas.ClipRoundRect(shape, SKClipOperation.Intersect, antialias: true);
        canvas.DrawImage(photo, area, new SKSamplingOptions(SKFilterMode.Linear));
        canvas.Restore();
        using var hairline = edge.Clone();
        hairline.StrokeWidth = 0.5f;
        canvas.DrawRoundRect(shape, hairline);
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
