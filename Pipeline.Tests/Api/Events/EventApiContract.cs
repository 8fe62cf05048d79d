using System.Net;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Events;

public sealed class SqliteEventApiTests(AppFixture<SqliteTestDatabase> fixture) : EventApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresEventApiTests(AppFixture<PostgresTestDatabase> fixture) : EventApiContract<PostgresTestDatabase>(fixture);

/// <summary>Events and members: admin writes, public reads with cache headers.</summary>
public abstract class EventApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PaymentScenario _flow = new(fixture.App);

    [Fact]
    public async Task A_created_event_is_readable_publicly_with_cache_headers_and_no_attendees()
    {
        var response = await _flow.Admin.PostJsonAsync("/api/events", new
        {
            name = "Launch", venue = "Pune", startsAt = "2027-01-15T10:00:00+05:30", fee = new { amount = 1500, currency = "INR" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.JsonAsync();
        var id = created.GetProperty("id").GetString()!;

        var get = await _flow.Public.GetAsync($"/api/events/{id}");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("public, max-age=60, stale-while-revalidate=300", get.Headers.CacheControl?.ToString());
        var body = await get.JsonAsync();
        Assert.Equal("Launch", body.GetProperty("name").GetString());
        Assert.Equal("Pune", body.GetProperty("venue").GetString());
        Assert.Equal("2027-01-15T04:30:00.000Z", body.GetProperty("startsAt").GetString());
        Assert.Equal(1500, body.GetProperty("fee").GetProperty("amount").GetInt64());
        Assert.Equal("INR", body.GetProperty("fee").GetProperty("currency").GetString());
        Assert.Equal(0, body.GetProperty("attendeeCount").GetInt64());
        Assert.True(id.Length >= 20, "public ids carry at least 96 random bits");
    }

    [Fact]
    public async Task The_event_list_pages_and_carries_cache_headers()
    {
        for (var i = 0; i < 3; i++)
        {
            await _flow.CreateEventAsync();
        }

        var first = await _flow.Public.GetAsync("/api/events?limit=2");
        var page = await first.JsonAsync();

        Assert.Equal("public, max-age=60, stale-while-revalidate=300", first.Headers.CacheControl?.ToString());
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        var next = await (await _flow.Public.GetAsync($"/api/events?limit=2&cursor={page.GetProperty("nextCursor").GetString()}")).JsonAsync();
        Assert.True(next.GetProperty("items").GetArrayLength() >= 1);
    }

    [Theory]
    [InlineData("{\"venue\":\"v\",\"startsAt\":\"2027-01-01T00:00:00Z\",\"fee\":{\"amount\":1,\"currency\":\"INR\"}}", "name")]
    [InlineData("{\"name\":\"n\",\"venue\":\"v\",\"startsAt\":\"2027-01-01T00:00:00\",\"fee\":{\"amount\":1,\"currency\":\"INR\"}}", "startsAt")]
    [InlineData("{\"name\":\"n\",\"venue\":\"v\",\"startsAt\":\"tomorrow\",\"fee\":{\"amount\":1,\"currency\":\"INR\"}}", "startsAt")]
    [InlineData("{\"name\":\"n\",\"venue\":\"v\",\"startsAt\":\"2027-01-01T00:00:00Z\",\"fee\":{\"amount\":0,\"currency\":\"INR\"}}", "fee.amount")]
    [InlineData("{\"name\":\"n\",\"venue\":\"v\",\"startsAt\":\"2027-01-01T00:00:00Z\",\"fee\":{\"amount\":1,\"currency\":\"inr\"}}", "fee.currency")]
    [InlineData("{\"name\":\"n\",\"venue\":\"v\",\"startsAt\":\"2027-01-01T00:00:00Z\",\"fee\":5}", "fee")]
    public async Task Invalid_events_are_400_with_the_field_named(string body, string field)
    {
        var response = await _flow.Admin.PostRawAsync("/api/events", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}");
    }

    [Theory]
    [InlineData("{\"name\":\"n\",\"phone\":\"9876543210\"}", "phone")]
    [InlineData("{\"name\":\"n\",\"phone\":\"+0123456789\"}", "phone")]
    [InlineData("{\"name\":\"n\",\"phone\":\"+919876543210\",\"email\":\"nope\"}", "email")]
    [InlineData("{\"phone\":\"+919876543210\"}", "name")]
    public async Task Invalid_members_are_400_with_the_field_named(string body, string field)
    {
        var response = await _flow.Admin.PostRawAsync("/api/members", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Unknown_events_members_and_registrations_are_404_with_their_code()
    {
        var eventId = await _flow.CreateEventAsync();

        var evt = await _flow.Public.GetAsync("/api/events/evt_missing");
        var order = await _flow.Public.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId = "mem_missing" });
        var registration = await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/reg_missing");

        Assert.Equal("event_not_found", (await evt.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, order.StatusCode);
        Assert.Equal("member_not_found", (await order.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, registration.StatusCode);
    }

    [Fact]
    public async Task An_order_binds_the_event_fee_and_opens_a_pending_registration()
    {
        var eventId = await _flow.CreateEventAsync(fee: 2500, currency: "USD");
        var memberId = await _flow.CreateMemberAsync();

        var response = await _flow.Public.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });
        var order = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("order_", order.GetProperty("orderId").GetString());
        Assert.Equal(2500, order.GetProperty("amount").GetProperty("amount").GetInt64());
        Assert.Equal("USD", order.GetProperty("amount").GetProperty("currency").GetString());
        Assert.Equal(PipelineApp.RazorpayKeyId, order.GetProperty("keyId").GetString());
        var registration = await (await _flow.Public.GetAsync(
            $"/api/public/events/{eventId}/registrations/{order.GetProperty("registrationId").GetString()}")).JsonAsync();
        Assert.Equal("pending", registration.GetProperty("status").GetString());
        Assert.Equal("pending", registration.GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal(memberId, registration.GetProperty("memberId").GetString());
    }

    [Fact]
    public async Task Admin_registration_list_filters_by_status_and_refuses_unknown_status()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        await _flow.PlaceOrderAsync(eventId, memberId);

        var pending = await (await _flow.Admin.GetAsync($"/api/events/{eventId}/registrations?status=pending")).JsonAsync();
        var paid = await (await _flow.Admin.GetAsync($"/api/events/{eventId}/registrations?status=paid")).JsonAsync();
        var bad = await _flow.Admin.GetAsync($"/api/events/{eventId}/registrations?status=done");
        var anonymous = await _flow.Public.GetAsync($"/api/events/{eventId}/registrations");

        Assert.Equal(1, pending.GetProperty("items").GetArrayLength());
        Assert.Equal(0, paid.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
