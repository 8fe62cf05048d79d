using QRCoder;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// The QR code of a ticket as a black-and-white PNG (1-bit indexed colour, with the standard 4-module quiet zone).
/// Built with QRCoder's <see cref="PngByteQRCode"/>, which writes the PNG itself and needs no System.Drawing.
/// Stateless and safe to call from many threads.
/// </summary>
/// <remarks>
/// Indexed rather than QRCoder's default 1-bit greyscale because PDFsharp's cross-platform image importer reads
/// 1-bit PNGs only with a palette ("Unsupported image format" otherwise). Its importer also packs rows in whole
/// bytes, so the renderer keeps the width a multiple of 8 pixels (any module count times 8 pixels per module).
/// </remarks>
public static class TicketQrCode
{
    private static readonly byte[] Black = [0, 0, 0];
    private static readonly byte[] White = [255, 255, 255];

    /// <summary>
    /// 8 pixels per module: a ticket token (~130 characters, QR version 8 at level M, 57 modules with the quiet zone)
    /// becomes a 456-pixel square of a few hundred bytes, sharp enough to print and to scan from a phone screen.
    /// </summary>
    public const int DefaultPixelsPerModule = 8;

    /// <summary>Level M restores up to ~15% damage (creases, glare) while keeping the symbol small.</summary>
    public const QRCodeGenerator.ECCLevel ErrorCorrection = QRCodeGenerator.ECCLevel.M;

    /// <summary>The PNG bytes of a QR code whose text is <paramref name="text"/>.</summary>
    public static byte[] RenderPng(string text, int pixelsPerModule = DefaultPixelsPerModule)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);

        using var data = QRCodeGenerator.GenerateQrCode(text, ErrorCorrection);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule, Black, White, drawQuietZones: true);
    }
}
