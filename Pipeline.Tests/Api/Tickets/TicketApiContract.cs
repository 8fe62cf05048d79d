using System.Net;
using System.Net.Http.Headers;
using SkiaSharp;
using Pipeline.Actors.Outbox;
using Pipeline.Streams.Tickets;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Streams.Tickets;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Tickets;

public sealed class SqliteTicketApiTests(AppFixture<SqliteTestDatabase> fixture) : TicketApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresTicketApiTests(AppFixture<PostgresTestDatabase> fixture) : TicketApiContract<PostgresTestDatabase>(fixture);

/// <summary>download-pdf and check-in through HTTP, on each storage.</summary>
public abstract class TicketApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PipelineApp _app = fixture.App;
    private readonly PaymentScenario _flow = new(fixture.App);
    private readonly TicketToken _tokens = new(PipelineApp.TicketSigningKey);

    [Fact]
    public async Task A_paid_registration_downloads_its_ticket_as_a_pdf_attachment()
    {
        var (eventId, _, registrationId) = await PaidAsync();

        var response = await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}/download-pdf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"ticket-{registrationId}.pdf", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("%PDF"u8.ToArray(), bytes[..4]);
    }

    [Fact]
    public async Task An_unpaid_registration_has_no_ticket_yet_and_an_unknown_one_is_404()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (_, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);

        var unpaid = await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}/download-pdf");
        var unknown = await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/reg_nope/download-pdf");

        Assert.Equal(HttpStatusCode.Conflict, unpaid.StatusCode);
        Assert.Equal("not_paid", (await unpaid.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_ticket_checks_in_once_and_the_second_time_is_409_with_the_first_time()
    {
        var (eventId, _, registrationId) = await PaidAsync();
        var ticket = _tokens.Create(registrationId, eventId, DateTimeOffset.UtcNow);

        var first = await _flow.Admin.PostJsonAsync($"/api/events/{eventId}/check-in", new { ticket });
        var second = await _flow.Admin.PostJsonAsync($"/api/events/{eventId}/check-in", new { ticket });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await first.JsonAsync();
        Assert.Equal(registrationId, body.GetProperty("registrationId").GetString());
        Assert.True(body.GetProperty("firstCheckIn").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await second.JsonAsync();
        Assert.Equal("already_checked_in", problem.GetProperty("code").GetString());
        Assert.Equal(body.GetProperty("checkedInAt").GetString(), problem.GetProperty("checkedInAt").GetString());
        var messages = await _app.Storage.Outbox.ReadAfterAsync(0, 100_000);
        Assert.Single(messages, m => m.Message.Type == "registration.checked_in" && m.Message.Data.Contains(registrationId));
    }

    [Fact]
    public async Task Forged_altered_and_other_event_tickets_are_400_invalid_ticket()
    {
        var (eventId, _, registrationId) = await PaidAsync();
        var otherEventId = await _flow.CreateEventAsync();
        var good = _tokens.Create(registrationId, eventId, DateTimeOffset.UtcNow);
        var forged = new TicketToken("someone-elses-signing-key-000").Create(registrationId, eventId, DateTimeOffset.UtcNow);
        var altered = good[..^2] + (good[^2] == 'A' ? "BB" : "AA");

        foreach (var (target, ticket) in new[] { (eventId, forged), (eventId, altered), (otherEventId, good), (eventId, "garbage") })
        {
            var response = await _flow.Admin.PostJsonAsync($"/api/events/{target}/check-in", new { ticket });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("invalid_ticket", (await response.JsonAsync()).GetProperty("code").GetString());
        }
        var registration = await (await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, registration.GetProperty("checkedInAt").ValueKind);
    }

    [Fact]
    public async Task A_member_with_a_photo_gets_a_ticket_showing_it_and_one_without_gets_none()
    {
        var eventId = await _flow.CreateEventAsync();
        var withPhoto = await _flow.CreateMemberAsync();
        var without = await _flow.CreateMemberAsync();
        var photo = new ByteArrayContent(TestImages.Marked(600, 400, SKEncodedImageFormat.Png));
        photo.Headers.ContentType = MediaTypeHeaderValue.Parse("image/png");
        Assert.Equal(HttpStatusCode.OK, (await _flow.Admin.PutAsync($"/api/members/{withPhoto}/photo", photo)).StatusCode);

        var images = new List<int>();
        var scratch = Directory.CreateTempSubdirectory("pipeline-ticket-photo-");
        try
        {
            foreach (var memberId in new[] { withPhoto, without })
            {
                var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
                Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
                var response = await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}/download-pdf");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var path = Path.Combine(scratch.FullName, registrationId + ".pdf");
                await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
                images.Add((await PdfTools.ListImagesAsync(path)).Count);
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        Assert.Equal([1, 0], images);
    }

    private async Task<(string EventId, string MemberId, string RegistrationId)> PaidAsync()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
        Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
        return (eventId, memberId, registrationId);
    }
}
