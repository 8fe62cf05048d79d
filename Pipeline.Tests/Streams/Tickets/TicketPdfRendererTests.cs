using System.Collections.Concurrent;
using System.Text;
using Pipeline.Actors.Runtime;
using Pipeline.Streams.Tickets;
using SkiaSharp;

namespace Pipeline.Tests.Streams.Tickets;

public sealed class TicketPdfRendererTests : IDisposable
{
    private static readonly DateTimeOffset StartsAt = new(2027, 1, 1, 0, 0, 0, TimeSpan.FromHours(5.5)); // 18:30 UTC the day before
    private const string StartsAtText = "Thu 31 Dec 2026, 18:30 UTC";

    private readonly TicketToken _tokens = new("renderer-test-signing-key-0123456789");
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("pipeline-ticket-tests-");

    public void Dispose() => _scratch.Delete(recursive: true);

    private TicketContent NewTicket(string eventName = "Winter Meetup 2026", string venue = "Hall B, Koramangala, Bengaluru",
        string memberName = "Asha Raman", byte[]? photo = null)
    {
        var registrationId = OpaqueId.New("reg");
        var eventId = OpaqueId.New("evt");
        var token = _tokens.Create(registrationId, eventId, DateTimeOffset.UtcNow);
        return new TicketContent(eventName, venue, StartsAt, memberName, registrationId, token, photo);
    }

    private string Save(byte[] pdf, string name)
    {
        var path = Path.Combine(_scratch.FullName, name + ".pdf");
        File.WriteAllBytes(path, pdf);
        return path;
    }

    [Fact]
    public void Start_time_is_shown_in_utc()
    {
        Assert.Equal(StartsAtText, TicketPdfRenderer.FormatStartsAt(StartsAt));
        Assert.Equal("Mon 1 Mar 2027, 09:05 UTC", TicketPdfRenderer.FormatStartsAt(new DateTimeOffset(2027, 3, 1, 9, 5, 59, TimeSpan.Zero)));
    }

    [Fact]
    public void Rendered_pdf_is_a_small_pdf()
    {
        var pdf = TicketPdfRenderer.Render(NewTicket());

        Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        Assert.True(pdf.Length < 100 * 1024, $"the ticket PDF is {pdf.Length} bytes");
        Assert.EndsWith("%%EOF", Encoding.ASCII.GetString(pdf).TrimEnd());
    }

    [Fact]
    public async Task The_qr_code_decoded_from_the_rendered_page_is_the_token_and_verifies()
    {
        var ticket = NewTicket();
        var pdfPath = Save(TicketPdfRenderer.Render(ticket), "ticket");

        var decoded = await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName));

        Assert.Equal(ticket.Token, decoded);
        var claims = _tokens.Verify(decoded);
        Assert.NotNull(claims);
        Assert.Equal(ticket.RegistrationId, claims.RegistrationId);
    }

    [Fact]
    public async Task The_page_text_shows_event_venue_start_time_member_and_registration()
    {
        var ticket = NewTicket();
        var pdfPath = Save(TicketPdfRenderer.Render(ticket), "ticket");

        var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));

        Assert.Contains(ticket.EventName, text, StringComparison.Ordinal);
        Assert.Contains(ticket.Venue, text, StringComparison.Ordinal);
        Assert.Contains(StartsAtText, text, StringComparison.Ordinal);
        Assert.Contains(ticket.MemberName, text, StringComparison.Ordinal);
        Assert.Contains(ticket.RegistrationId, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fonts_travel_inside_the_pdf()
    {
        var pdfPath = Save(TicketPdfRenderer.Render(NewTicket()), "ticket");

        var fonts = await PdfTools.ListFontsAsync(pdfPath);

        // pdffonts prints a two-line header, then name ("ABCDEF+DejaVuSans-Bold" for a subset), type, encoding, emb, sub,
        // uni, object id. Both faces must be there, every font embedded and mapped to Unicode (text can be searched
        // and copied), so no viewer substitutes its own.
        var rows = fonts.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToList();
        Assert.Contains(rows, r => r.Contains("+DejaVuSans-Bold ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("+DejaVuSans ", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Matches(@"\sTrueType\s.*\syes\s+(yes|no)\s+yes\s+\d+\s+\d+\s*$", r));
    }

    [Fact]
    public async Task Long_and_non_ascii_text_wraps_and_the_qr_code_still_scans()
    {
        var ticket = NewTicket(
            eventName: "Annual Général Assembly of the Karnataka Association of Très Long Event Names — Day One (Main Track)",
            venue: "Ground floor, Auditorium №2, Indian Institute of Science, CV Raman Road, Bengaluru 560012, Karnataka, India",
            memberName: "Zoë Ångström-Ñúñez\tO'Brien\r\n");
        var pdfPath = Save(TicketPdfRenderer.Render(ticket), "long");

        var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));
        var decoded = await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName));

        Assert.Contains("Annual Général Assembly of the Karnataka", text, StringComparison.Ordinal);
        Assert.Contains("Auditorium №2", text, StringComparison.Ordinal);
        Assert.Contains("Zoë Ångström-Ñúñez O'Brien", text, StringComparison.Ordinal);
        Assert.Contains(StartsAtText, text, StringComparison.Ordinal);
        Assert.Equal(ticket.Token, decoded);
    }

    [Fact]
    public async Task Text_beyond_its_line_limit_is_cut_with_an_ellipsis_and_nothing_overlaps_the_qr_code()
    {
        var ticket = NewTicket(
            eventName: string.Join(' ', Enumerable.Repeat("Everlasting", 40)),
            venue: new string('V', 400),
            memberName: string.Join(' ', Enumerable.Repeat("Name", 60)));
        var pdfPath = Save(TicketPdfRenderer.Render(ticket), "overflow");

        var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));
        var decoded = await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName));

        Assert.Contains("\u2026", text, StringComparison.Ordinal);
        Assert.Contains(StartsAtText, text, StringComparison.Ordinal);
        Assert.Equal(ticket.Token, decoded);
    }

    [Theory]
    [InlineData("", "", "")]
    [InlineData("Winter Meetup 2026", "Hall B", "आशा रमन 😀")] // DejaVu Sans has no Devanagari
    [InlineData("शीतकालीन सम्मेलन", "हॉल बी, बेंगलुरु", "Asha Raman")]
    public async Task Empty_names_and_unsupported_scripts_render_and_the_qr_code_still_scans(string eventName, string venue, string memberName)
    {
        // Glyphs the font lacks render as empty boxes (measured and wrapped all the same); the ticket must still work.
        var ticket = NewTicket(eventName, venue, memberName);
        var pdfPath = Save(TicketPdfRenderer.Render(ticket), "unsupported");

        var decoded = await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName));
        var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));

        Assert.Equal(ticket.Token, decoded);
        Assert.NotNull(_tokens.Verify(decoded));
        Assert.Contains(ticket.RegistrationId, text, StringComparison.Ordinal);
        Assert.Contains(StartsAtText, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public async Task A_ticket_with_a_photo_shows_one_small_image_and_still_has_its_text_and_qr_code(SKEncodedImageFormat format)
    {
        var ticket = NewTicket(photo: TestPhotos.Portrait(format, 1200, 1600));
        var pdf = TicketPdfRenderer.Render(ticket);
        var pdfPath = Save(pdf, "photo");

        var images = await PdfTools.ListImagesAsync(pdfPath);
        var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));
        var decoded = await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName));

        // The 1200x1600 photo travels as the 168 px thumbnail, as a JPEG, not as the upload.
        var image = Assert.Single(images);
        Assert.Equal(["image", "168", "168"], image[2..5]);
        Assert.Equal("jpeg", image[8]);
        Assert.True(pdf.Length < 100 * 1024, $"the ticket PDF is {pdf.Length} bytes");
        Assert.Contains(ticket.EventName, text, StringComparison.Ordinal);
        Assert.Contains(ticket.MemberName, text, StringComparison.Ordinal);
        Assert.Contains(StartsAtText, text, StringComparison.Ordinal);
        Assert.Contains(ticket.RegistrationId, text, StringComparison.Ordinal);
        Assert.Equal(ticket.Token, decoded);
    }

    [Fact]
    public async Task A_photo_beside_text_at_every_line_limit_leaves_the_qr_code_scannable()
    {
        var ticket = NewTicket(
            eventName: string.Join(' ', Enumerable.Repeat("Everlasting", 40)),
            venue: new string('V', 400),
            memberName: string.Join(' ', Enumerable.Repeat("Name", 60)),
            photo: TestPhotos.Portrait(SKEncodedImageFormat.Jpeg));
        var pdfPath = Save(TicketPdfRenderer.Render(ticket), "photo-overflow");

        var images = await PdfTools.ListImagesAsync(pdfPath);
        var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));
        var decoded = await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName));

        Assert.Single(images);
        Assert.Matches("ATTENDEE Name Name [^\u2026]*\u2026", text); // the name beside the photo, cut at two lines
        Assert.Equal(ticket.Token, decoded);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("empty")]
    public async Task A_photo_that_cannot_be_decoded_is_left_out_and_the_ticket_renders(string kind)
    {
        var jpeg = TestPhotos.Portrait(SKEncodedImageFormat.Jpeg);
        var photo = kind switch
        {
            "garbage" => Encoding.ASCII.GetBytes("<html>not a photo</html>"),
            "truncated" => jpeg[..(jpeg.Length / 3)],
            _ => [],
        };
        var ticket = NewTicket(photo: photo);
        var pdfPath = Save(TicketPdfRenderer.Render(ticket), "bad-photo");

        var images = await PdfTools.ListImagesAsync(pdfPath);
        var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));
        var decoded = await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName));

        Assert.Empty(images);
        Assert.Contains(ticket.MemberName, text, StringComparison.Ordinal);
        Assert.Equal(ticket.Token, decoded);
    }

    [Fact]
    public void Missing_token_or_registration_id_is_an_argument_error()
    {
        var ticket = NewTicket();

        Assert.ThrowsAny<ArgumentException>(() => TicketPdfRenderer.Render(ticket with { Token = "" }));
        Assert.ThrowsAny<ArgumentException>(() => TicketPdfRenderer.Render(ticket with { RegistrationId = "" }));
    }

    [Fact]
    public async Task Fifty_tickets_render_in_parallel_each_with_its_own_content()
    {
        // Every other ticket has a photo, so decoding runs in parallel too.
        var photo = TestPhotos.Portrait(SKEncodedImageFormat.Jpeg);
        var tickets = Enumerable.Range(0, 50)
            .Select(i => NewTicket(eventName: $"Parallel Event {i}", memberName: $"Member Number {i}", photo: i % 2 == 0 ? photo : null))
            .ToArray();
        var pdfs = new ConcurrentDictionary<int, byte[]>();

        // More workers than cores so renders interleave on the shared typefaces.
        using var start = new Barrier(8);
        var workers = Enumerable.Range(0, 8).Select(w => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = w; i < tickets.Length; i += 8)
                pdfs[i] = TicketPdfRenderer.Render(tickets[i]);
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(50, pdfs.Count);
        for (var i = 0; i < tickets.Length; i++)
        {
            var pdf = pdfs[i];
            Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
            Assert.True(pdf.Length < 100 * 1024);
            var pdfPath = Save(pdf, $"parallel-{i}");
            var text = PdfTools.Normalize(await PdfTools.ExtractTextAsync(pdfPath));
            Assert.Contains($"Parallel Event {i} ", text, StringComparison.Ordinal);
            Assert.Contains($"Member Number {i} ", text, StringComparison.Ordinal);
            Assert.Contains(tickets[i].RegistrationId, text, StringComparison.Ordinal);
            if (i % 10 == 0)
                Assert.Equal(tickets[i].Token, await PdfTools.DecodeQrAsync(await PdfTools.RasterizeAsync(pdfPath, _scratch.FullName)));
        }
    }
}
