using System.Text.Json;
using Pipeline.Streams.Pipelines;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace Pipeline.Tests.Streams.Pipelines;

public sealed class SqliteTicketDeliveryTests() : TicketDeliveryContract(new SqliteTestDatabase());

public sealed class PostgresTicketDeliveryTests() : TicketDeliveryContract(new PostgresTestDatabase());

/// <summary>
/// The tickets and whatsapp pipelines end to end: pay through HTTP, and the ticket reaches a local fake of the Graph
/// API that checks requests as Graph does. Each test has its own database and host.
/// </summary>
public abstract class TicketDeliveryContract(TestDatabase database) : IAsyncLifetime
{
    private FakeGraphApi _graph = null!;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        _graph = await FakeGraphApi.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _graph.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task A_paid_registration_gets_its_ticket_sent_once_and_recorded()
    {
        await using var app = App();
        var flow = new PaymentScenario(app);
        var (eventId, registrationId) = await PayAsync(flow, "+919876543210");

        var ticket = await TicketWhenSettledAsync(flow, eventId, registrationId);

        Assert.Equal("sent", ticket.GetProperty("status").GetString());
        Assert.Equal(1, ticket.GetProperty("attempts").GetInt32());
        var message = Assert.Single(_graph.Messages);
        Assert.Equal("919876543210", message.To);
        Assert.Equal($"ticket-{registrationId}.pdf", message.Filename);
        Assert.Equal(message.MessageId, ticket.GetProperty("whatsappMessageId").GetString());
        Assert.NotEqual(JsonValueKind.Null, ticket.GetProperty("sentAt").ValueKind);
        Assert.Equal("%PDF"u8.ToArray(), message.Document[..4]);
        await AssertOutboxAsync(app, "ticket.sent", registrationId);
    }

    [Fact]
    public async Task Two_429s_then_success_is_sent_on_the_third_attempt()
    {
        await using var app = App();
        var flow = new PaymentScenario(app);
        _graph.FailNext(2, 429, 130429);
        var (eventId, registrationId) = await PayAsync(flow, "+919876543211");

        var ticket = await TicketWhenSettledAsync(flow, eventId, registrationId);

        Assert.Equal("sent", ticket.GetProperty("status").GetString());
        Assert.Equal(3, ticket.GetProperty("attempts").GetInt32());
        Assert.Single(_graph.Messages);
    }

    [Fact]
    public async Task A_permanent_400_fails_at_once_with_the_error_recorded()
    {
        await using var app = App();
        var flow = new PaymentScenario(app);
        _graph.FailNext(1, 400, 131026);
        var (eventId, registrationId) = await PayAsync(flow, "+919876543212");

        var ticket = await TicketWhenSettledAsync(flow, eventId, registrationId);

        Assert.Equal("failed", ticket.GetProperty("status").GetString());
        Assert.Equal(1, ticket.GetProperty("attempts").GetInt32());
        Assert.Contains("131026", ticket.GetProperty("lastError").GetString());
        Assert.Empty(_graph.Messages);
        await AssertOutboxAsync(app, "ticket.delivery_failed", registrationId);
    }

    [Fact]
    public async Task Retries_stop_after_the_last_delay_and_the_ticket_fails()
    {
        await using var app = App(new() { ["Pipeline:WhatsApp:RetryDelays:0"] = "00:00:00.05", ["Pipeline:WhatsApp:RetryDelays:1"] = null, ["Pipeline:WhatsApp:RetryDelays:2"] = null });
        var flow = new PaymentScenario(app);
        _graph.FailNext(5, 500, 131000);
        var (eventId, registrationId) = await PayAsync(flow, "+919876543213");

        var ticket = await TicketWhenSettledAsync(flow, eventId, registrationId);

        Assert.Equal("failed", ticket.GetProperty("status").GetString());
        Assert.Equal(2, ticket.GetProperty("attempts").GetInt32());
    }

    /// <summary>
    /// The break is an hour of a clock the test moves, so each break ends exactly when the test says: one trial while
    /// WhatsApp is still down (it fails and the circuit opens again), then one after it is back. However slow the
    /// machine, no ticket spends more than two attempts (one before the circuit opened, one trial), so none runs out.
    /// </summary>
    [Fact]
    public async Task WhatsApp_down_for_a_while_opens_the_breaker_and_every_ticket_is_sent_after_it_recovers()
    {
        var breakDuration = TimeSpan.FromHours(1);
        var clock = new ShiftableTimeProvider();
        await using var app = App(new()
        {
            ["Pipeline:Pipelines:BreakerMinimumThroughput"] = "2",
            ["Pipeline:Pipelines:BreakerBreakDuration"] = breakDuration.ToString(),
            ["Pipeline:Pipelines:BreakerSamplingDuration"] = "00:00:10",
        }, services => services.AddSingleton<TimeProvider>(clock));
        var flow = new PaymentScenario(app);
        var whatsApp = app.Services.GetRequiredService<Pipeline.Host.Pipelines.PipelineRegistry>()[PipelineNames.WhatsApp];
        _graph.Down = true;
        var paid = new List<(string EventId, string RegistrationId)>();
        for (var i = 0; i < 6; i++)
        {
            paid.Add(await PayAsync(flow, $"+9198765433{i:D2}"));
        }

        // Open, and the sends let through before it opened are over: from here nothing reaches WhatsApp until the break ends.
        Assert.True(await Eventually.HoldsAsync(() => whatsApp.Breaker?.IsRefusing == true && whatsApp.Counters.InFlight == 0,
            TimeSpan.FromSeconds(20)), "the circuit opens");
        // The break ends with WhatsApp still down: the trial fails and the circuit refuses again for a new break.
        var requestsBefore = _graph.Requests;
        clock.Advance(breakDuration);
        Assert.True(await Eventually.HoldsAsync(() => whatsApp.Breaker!.IsRefusing && _graph.Requests > requestsBefore, TimeSpan.FromSeconds(20)),
            "a failed trial opens the circuit again");

        _graph.Down = false;
        clock.Advance(breakDuration);

        foreach (var (eventId, registrationId) in paid)
        {
            var ticket = await TicketWhenSettledAsync(flow, eventId, registrationId);
            Assert.Equal("sent", ticket.GetProperty("status").GetString());
        }
        Assert.Equal(6, _graph.Messages.Count);
        Assert.Equal(6, _graph.Messages.Select(m => m.To).Distinct().Count());
    }

    [Fact]
    public async Task Sandbox_mode_records_the_ticket_locally_and_sends_nothing_even_with_a_token()
    {
        // The token stays configured: Sandbox is what the mode says, not what a missing token implies.
        await using var app = App(new() { ["Pipeline:WhatsApp:Mode"] = "Sandbox" });
        var flow = new PaymentScenario(app);
        var (eventId, registrationId) = await PayAsync(flow, "+919876543299");

        var ticket = await TicketWhenSettledAsync(flow, eventId, registrationId);

        Assert.Equal("sent", ticket.GetProperty("status").GetString());
        Assert.StartsWith("wamid.sandbox", ticket.GetProperty("whatsappMessageId").GetString());
        Assert.Empty(_graph.Messages);
        Assert.Equal(0, _graph.Requests);
    }

    private PipelineApp App(Dictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:WhatsApp:BaseUrl"] = _graph.BaseUrl,
            ["Pipeline:WhatsApp:PhoneNumberId"] = FakeGraphApi.PhoneNumberId,
            ["Pipeline:WhatsApp:AccessToken"] = FakeGraphApi.AccessToken,
            ["Pipeline:WhatsApp:RetryDelays:0"] = "00:00:00.05",
            ["Pipeline:WhatsApp:RetryDelays:1"] = "00:00:00.05",
            ["Pipeline:WhatsApp:RetryDelays:2"] = "00:00:00.05",
            ["Pipeline:WhatsApp:AttemptTimeout"] = "00:00:05",
            ["Pipeline:Pipelines:PollInterval"] = "00:00:00.05",
            ["Pipeline:Pipelines:LeaseDuration"] = "00:00:10",
        };
        foreach (var (key, value) in extra ?? [])
        {
            // null removes a default (e.g. to shorten an array of retry delays)
            if (value is null) settings.Remove(key); else settings[key] = value;
        }
        var app = new PipelineApp(database, settings) { TestServices = services };
        _ = app.Server;
        return app;
    }

    private static async Task<(string EventId, string RegistrationId)> PayAsync(PaymentScenario flow, string phone)
    {
        var eventId = await flow.CreateEventAsync();
        var memberId = await flow.CreateMemberAsync(phone);
        var (orderId, registrationId) = await flow.PlaceOrderAsync(eventId, memberId);
        var response = await flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId());
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (eventId, registrationId);
    }

    /// <summary>The registration's ticket once it is sent or failed (or after 30 s, whatever it is then).</summary>
    private static async Task<JsonElement> TicketWhenSettledAsync(PaymentScenario flow, string eventId, string registrationId)
    {
        JsonElement ticket = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            var registration = await (await flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
            ticket = registration.GetProperty("ticket");
            if (ticket.GetProperty("status").GetString() != "pending")
            {
                return ticket;
            }
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        return ticket;
    }

    private static async Task AssertOutboxAsync(PipelineApp app, string type, string registrationId)
    {
        await app.ProjectedAsync();
        var messages = await app.Storage.Outbox.ReadAfterAsync(0, 100_000);
        Assert.Single(messages, m => m.Message.Type == type && m.Message.Data.Contains(registrationId));
    }
}
