using Pipeline.Streams.Tickets;

namespace Pipeline.Tests.Streams.Tickets;

public sealed class TicketQrCodeTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("pipeline-qr-tests-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public async Task The_png_decodes_to_the_text()
    {
        var token = new TicketToken("qr-test-signing-key-0123456789").Create("reg_AAAAAAAAAAAAAAAAAAAAAA", "evt_BBBBBBBBBBBBBBBBBBBBBB", DateTimeOffset.UtcNow);
        var png = TicketQrCode.RenderPng(token);
        var path = Path.Combine(_scratch.FullName, "qr.png");
        await File.WriteAllBytesAsync(path, png);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(token, await PdfTools.DecodeQrAsync(path));
    }

    [Fact]
    public void The_size_follows_pixels_per_module()
    {
        // A ticket token is a version-8 code at level M: 49 modules plus a 4-module quiet zone each side.
        var token = new TicketToken("qr-test-signing-key-0123456789").Create("reg_AAAAAAAAAAAAAAAAAAAAAA", "evt_BBBBBBBBBBBBBBBBBBBBBB", DateTimeOffset.UtcNow);

        Assert.Equal(57 * 8, PngWidth(TicketQrCode.RenderPng(token)));
        Assert.Equal(57 * 3, PngWidth(TicketQrCode.RenderPng(token, pixelsPerModule: 3)));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => TicketQrCode.RenderPng(""));
        Assert.ThrowsAny<ArgumentException>(() => TicketQrCode.RenderPng("x", pixelsPerModule: 0));
    }

    // IHDR follows the 8-byte signature and the chunk's length and type: width is a big-endian int at offset 16.
    private static int PngWidth(byte[] png) => (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
}
