using Pipeline.Streams.Tickets;
using QRCoder;

namespace Pipeline.Tests.Streams.Tickets;

/// <remarks>That the drawn code scans as the token is proven on the rendered page (<see cref="TicketPdfRendererTests"/>).</remarks>
public sealed class TicketQrCodeTests
{
    // Fixed: the token's length (so the code's version) follows its issue time's encoding, and a test run at a moment
    // with a shorter encoding drew a version 7 code.
    private static readonly DateTimeOffset IssuedAt = new(2026, 12, 3, 4, 30, 17, 345, TimeSpan.Zero);

    private static readonly string Token = new TicketToken("qr-test-signing-key-0123456789")
        .Create("reg_AAAAAAAAAAAAAAAAAAAAAA", "evt_BBBBBBBBBBBBBBBBBBBBBB", IssuedAt);

    [Fact]
    public void A_ticket_token_is_a_version_8_code_with_its_quiet_zone()
    {
        // Version 8 at level M: 49 modules plus a 4-module quiet zone each side.
        Assert.Equal(57, TicketQrCode.Encode(Token).Size);
    }

    [Fact]
    public void The_rectangles_cover_every_dark_module_once_and_no_light_one()
    {
        var encoded = TicketQrCode.Encode(Token);
        using var expected = QRCodeGenerator.GenerateQrCode(Token, TicketQrCode.ErrorCorrection);

        var covered = new int[encoded.Size, encoded.Size];
        foreach (var rect in encoded.Dark)
        {
            for (var row = rect.Row; row < rect.Row + rect.Height; row++)
            {
                for (var column = rect.Column; column < rect.Column + rect.Width; column++)
                {
                    covered[row, column]++;
                }
            }
        }
        var darkModules = 0;
        for (var row = 0; row < encoded.Size; row++)
        {
            for (var column = 0; column < encoded.Size; column++)
            {
                var dark = expected.ModuleMatrix[row][column];
                darkModules += dark ? 1 : 0;
                Assert.True(covered[row, column] == (dark ? 1 : 0), $"module ({row}, {column}) dark={dark} covered {covered[row, column]} times");
            }
        }
        // Merging runs and repeated rows is what makes drawing cheap: far fewer rectangles than dark modules.
        Assert.True(encoded.Dark.Count < darkModules / 2, $"{encoded.Dark.Count} rectangles for {darkModules} dark modules");
    }

    [Fact]
    public void An_empty_text_is_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => TicketQrCode.Encode(""));
    }
}
