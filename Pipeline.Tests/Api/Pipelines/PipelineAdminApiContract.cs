using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.WhatsApp;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Pipelines;

public sealed class SqlitePipelineAdminApiTests(AppFixture<SqliteTestDatabase> fixture) : PipelineAdminApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresPipelineAdminApiTests(AppFixture<PostgresTestDatabase> fixture) : PipelineAdminApiContract<PostgresTestDatabase>(fixture);

/// <summary>
/// <c>/api/admin/pipelines</c> on each storage: the four pipelines with settings and state, live changes through
/// <c>PUT</c>, and refused changes that leave the running values alone. Tests that change a pipeline put it back.
/// </summary>
public abstract class PipelineAdminApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PipelineApp _app = fixture.App;
    private readonly HttpClient _admin = fixture.App.CreateAdminClient();

    private PipelineRegistry Registry => _app.Services.GetRequiredService<PipelineRegistry>();

    [Fact]
    public async Task Lists_every_pipeline_with_their_settings_state_and_exactly_the_work_they_did()
    {
        const int Paid = 3;
        await DrainAsync();
        var before = await ListAsync();

        var scenario = new PaymentScenario(_app);
        var eventId = await scenario.CreateEventAsync();
        var registrations = new List<string>();
        for (var i = 0; i < Paid; i++)
        {
            registrations.Add(await PayAsync(scenario, eventId, $"+91987652{i:0000}"));
        }
        foreach (var registrationId in registrations)
        {
            await TicketSentAsync(scenario, eventId, registrationId);
        }
        await DrainAsync();
        var pipelines = await ListAsync();

        Assert.Equal(["jobs", "tickets", "webhooks", "whatsapp"], pipelines.Keys.Order());
        foreach (var (name, pipeline) in pipelines)
        {
            var settings = Registry[name].Settings.Current;
            Assert.Equal(settings.RatePerSecond, pipeline.GetProperty("ratePerSecond").GetDouble());
            Assert.Equal(settings.Parallelism, pipeline.GetProperty("parallelism").GetInt32());
            Assert.Equal(settings.BufferSize, pipeline.GetProperty("bufferSize").GetInt32());
            Assert.Equal(JsonValueKind.False, pipeline.GetProperty("paused").ValueKind);
            // Drained: nothing waits and nothing is being worked on.
            Assert.Equal(0, pipeline.GetProperty("queueDepth").GetInt64());
            Assert.Equal(0, pipeline.GetProperty("inFlight").GetInt64());
            Assert.Equal(Count(before[name], "failed"), Count(pipeline, "failed"));
            Assert.True(pipeline.TryGetProperty("circuitState", out _));
        }
        // Each paid registration is one ticket rendered and one message sent; no endpoint is registered here, so no
        // webhook is delivered.
        Assert.Equal(Count(before["tickets"], "processed") + Paid, Count(pipelines["tickets"], "processed"));
        Assert.Equal(Count(before["whatsapp"], "processed") + Paid, Count(pipelines["whatsapp"], "processed"));
        Assert.Equal(Count(before["webhooks"], "processed"), Count(pipelines["webhooks"], "processed"));
        Assert.Equal(Count(before["jobs"], "processed"), Count(pipelines["jobs"], "processed")); // no job was started
        Assert.Equal(0, pipelines["tickets"].GetProperty("queue").GetProperty("leased").GetInt64());
        Assert.Equal(0, pipelines["tickets"].GetProperty("queue").GetProperty("dead").GetInt64());
        Assert.Equal(0, pipelines["webhooks"].GetProperty("queue").GetProperty("dead").GetInt64());
        var defaults = PipelineRegistry.Defaults(PipelineNames.WhatsApp);
        Assert.Equal(defaults.RatePerSecond, pipelines["whatsapp"].GetProperty("ratePerSecond").GetDouble());
        Assert.Equal("closed", pipelines["whatsapp"].GetProperty("circuitState").GetString());
        Assert.Equal("sandbox", pipelines["whatsapp"].GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, pipelines["tickets"].GetProperty("circuitState").ValueKind);
        Assert.Equal("running", pipelines["tickets"].GetProperty("supervisor").GetProperty("state").GetString());
        Assert.Equal(0, pipelines["tickets"].GetProperty("supervisor").GetProperty("restarts").GetInt32());
    }

    [Fact]
    public async Task Gets_one_pipeline_and_404s_any_other_name()
    {
        var tickets = await _admin.GetAsync("/api/admin/pipelines/tickets");
        var unknown = await _admin.GetAsync("/api/admin/pipelines/sms");

        Assert.Equal(HttpStatusCode.OK, tickets.StatusCode);
        Assert.Equal("tickets", (await tickets.JsonAsync()).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("pipeline_not_found", (await unknown.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PutAsJsonAsync("/api/admin/pipelines/sms", new { paused = true })).StatusCode);
    }

    [Fact]
    public async Task Every_pipeline_endpoint_needs_the_admin_key()
    {
        var anonymous = _app.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/pipelines")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/pipelines/tickets")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync("/api/admin/pipelines/tickets", new { paused = true })).StatusCode);
        Assert.False(Registry[PipelineNames.Tickets].Settings.Current.Paused);
    }

    [Fact]
    public async Task Put_applies_any_subset_of_the_settings_live()
    {
        var before = Registry[PipelineNames.WhatsApp].Settings.Current;
        try
        {
            var response = await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { ratePerSecond = 12.5, parallelism = 3 });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            Assert.Equal(12.5, body.GetProperty("ratePerSecond").GetDouble());
            Assert.Equal(3, body.GetProperty("parallelism").GetInt32());
            Assert.Equal(before.BufferSize, body.GetProperty("bufferSize").GetInt32());
            Assert.Equal(before with { RatePerSecond = 12.5, Parallelism = 3 }, Registry[PipelineNames.WhatsApp].Settings.Current);
            var read = await (await _admin.GetAsync("/api/admin/pipelines/whatsapp")).JsonAsync();
            Assert.Equal(12.5, read.GetProperty("ratePerSecond").GetDouble());
        }
        finally
        {
            Registry[PipelineNames.WhatsApp].Settings.Update(before);
        }
    }

    [Fact]
    public async Task Invalid_values_are_refused_field_by_field_and_the_running_values_stay()
    {
        var before = Registry[PipelineNames.Tickets].Settings.Current;

        var response = await _admin.PutAsync("/api/admin/pipelines/tickets", JsonContent.Create(new Dictionary<string, object>
        {
            ["ratePerSecond"] = 0,
            ["parallelism"] = 5000,
            ["bufferSize"] = "big",
            ["paused"] = "yes",
            ["rate"] = 10,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order().ToList();
        Assert.Equal(["bufferSize", "parallelism", "paused", "rate", "ratePerSecond"], errors);
        Assert.Equal(before, Registry[PipelineNames.Tickets].Settings.Current);

        // One bad field spoils the whole request: the good one is not applied either.
        var mixed = await _admin.PutAsJsonAsync("/api/admin/pipelines/tickets", new { parallelism = 7, bufferSize = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Equal(before, Registry[PipelineNames.Tickets].Settings.Current);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsync("/api/admin/pipelines/tickets", new StringContent("{nope"))).StatusCode);
    }

    [Fact]
    public async Task Rendered_tickets_waiting_for_a_paused_whatsapp_are_its_queue_depth()
    {
        await DrainAsync();
        var sentBefore = Count(await PipelineAsync("whatsapp"), "processed");
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { paused = true })).StatusCode);
        try
        {
            var scenario = new PaymentScenario(_app);
            var eventId = await scenario.CreateEventAsync();
            for (var i = 0; i < 4; i++)
            {
                await PayAsync(scenario, eventId, $"+91987650{i:0000}");
            }

            // One rendered ticket sits at the paused gate and one in the channel before it; the rest wait in the buffer.
            await WaitForAsync("whatsapp", p => p.GetProperty("queueDepth").GetInt64() >= 1);
            Assert.Equal(sentBefore, Count(await PipelineAsync("whatsapp"), "processed"));
        }
        finally
        {
            await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { paused = false });
        }

        await DrainAsync();
        var drained = await PipelineAsync("whatsapp");
        Assert.Equal(sentBefore + 4, Count(drained, "processed"));
        Assert.Equal(0, drained.GetProperty("queueDepth").GetInt64());
    }

    [Fact]
    public async Task Pausing_tickets_sends_nothing_while_paused_and_exactly_one_ticket_after_resuming()
    {
        const string Phone = "+919876510001";
        var scenario = new PaymentScenario(_app);
        var sandbox = _app.Services.GetRequiredService<SandboxWhatsAppSender>();
        var gate = Registry[PipelineNames.Tickets].Gate;
        var eventId = await scenario.CreateEventAsync();
        var memberId = await scenario.CreateMemberAsync(Phone);
        var (orderId, registrationId) = await scenario.PlaceOrderAsync(eventId, memberId);
        await DrainAsync(); // earlier tests' tickets are settled: the item below is the only tickets work

        var paused = await _admin.PutAsJsonAsync("/api/admin/pipelines/tickets", new { paused = true });
        Assert.True((await paused.JsonAsync()).GetProperty("paused").GetBoolean());
        try
        {
            // The source parks at the gate before its next claim (nothing else can wait there: the queue is empty).
            Assert.True(await Eventually.HoldsAsync(() => gate.Waiting >= 1), "the tickets source should park at the paused gate");
            Assert.Equal(HttpStatusCode.OK, (await scenario.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);

            // The window: the paid message's webhooks item was written in the same transaction as its tickets item, and
            // the running webhooks pipeline polls the same way; once it has taken and finished that item, the tickets
            // source has had the same chances to claim, and did not.
            await WaitForAsync("webhooks", p => Queue(p, "ready") == 0 && Queue(p, "leased") == 0 && p.GetProperty("inFlight").GetInt64() == 0);
            var tickets = await PipelineAsync("tickets");
            Assert.True(tickets.GetProperty("paused").GetBoolean());
            Assert.Equal(1, Queue(tickets, "ready"));
            Assert.Equal(0, Queue(tickets, "leased"));
            Assert.True(gate.Waiting >= 1);
            var waiting = (await RegistrationAsync(scenario, eventId, registrationId)).GetProperty("ticket");
            Assert.Equal("pending", waiting.GetProperty("status").GetString());
            Assert.Equal(0, waiting.GetProperty("attempts").GetInt32());
            Assert.DoesNotContain(sandbox.Messages, m => m.To == Phone);
        }
        finally
        {
            var resumed = await _admin.PutAsJsonAsync("/api/admin/pipelines/tickets", new { paused = false });
            Assert.False((await resumed.JsonAsync()).GetProperty("paused").GetBoolean());
        }

        Assert.False(Registry[PipelineNames.Tickets].Gate.IsPaused);
        var sent = await TicketSentAsync(scenario, eventId, registrationId);
        await DrainAsync(); // nothing left to claim or finish: no second message can still be on its way
        var message = Assert.Single(sandbox.Messages, m => m.To == Phone);
        Assert.Equal(sent.GetProperty("whatsappMessageId").GetString(), message.MessageId);
        Assert.Equal(1, sent.GetProperty("attempts").GetInt32());
    }

    /// <summary>
    /// The live stages under load: rate, parallelism and buffer size of <c>whatsapp</c> turned up and down through the
    /// API while twenty tickets flow through the running graph, which is never re-materialized. Every ticket is sent
    /// exactly once: a change loses no item held in the buffer, the throttle or a step, and repeats none.
    /// </summary>
    [Fact]
    public async Task Tuning_whatsapp_under_load_sends_every_ticket_exactly_once()
    {
        const int tickets = 20;
        var scenario = new PaymentScenario(_app);
        var sandbox = _app.Services.GetRequiredService<SandboxWhatsAppSender>();
        var before = Registry[PipelineNames.WhatsApp].Settings.Current;
        await DrainAsync();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { ratePerSecond = 2 })).StatusCode);
        var paid = new List<(string RegistrationId, string Phone)>();
        try
        {
            var eventId = await scenario.CreateEventAsync();
            for (var i = 0; i < tickets; i++)
            {
                var phone = $"+91987660{i:0000}";
                paid.Add((await PayAsync(scenario, eventId, phone), phone));
            }
            object[] changes =
            [
                new { ratePerSecond = 40, parallelism = 1, bufferSize = 2 },
                new { ratePerSecond = 1.5, parallelism = 8 },
                new { ratePerSecond = 500, bufferSize = 64, parallelism = 3 },
                new { ratePerSecond = 5 },
                new { ratePerSecond = 1000, parallelism = 16 },
            ];
            foreach (var change in changes)
            {
                await Task.Delay(300);
                Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", change)).StatusCode);
            }
            foreach (var (registrationId, _) in paid)
            {
                await TicketSentAsync(scenario, eventId, registrationId);
            }
        }
        finally
        {
            await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new
            {
                ratePerSecond = before.RatePerSecond, parallelism = before.Parallelism, bufferSize = before.BufferSize,
            });
        }

        await DrainAsync(); // nothing left to claim or finish: no second message can still be on its way
        Assert.All(paid, p => Assert.Single(sandbox.Messages, m => m.To == p.Phone));
    }

    /// <summary>Orders and pays a registration for a new member with <paramref name="phone"/>; returns the registration id.</summary>
    private static async Task<string> PayAsync(PaymentScenario scenario, string eventId, string phone)
    {
        var memberId = await scenario.CreateMemberAsync(phone);
        var (orderId, registrationId) = await scenario.PlaceOrderAsync(eventId, memberId);
        Assert.Equal(HttpStatusCode.OK, (await scenario.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
        return registrationId;
    }

    private static async Task<JsonElement> RegistrationAsync(PaymentScenario scenario, string eventId, string registrationId) =>
        await (await scenario.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();

    /// <summary>Waits until the registration's ticket is sent; returns its ticket.</summary>
    private static async Task<JsonElement> TicketSentAsync(PaymentScenario scenario, string eventId, string registrationId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var ticket = (await RegistrationAsync(scenario, eventId, registrationId)).GetProperty("ticket");
            if (ticket.GetProperty("status").GetString() == "sent")
            {
                return ticket;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the ticket of {registrationId} was never sent: {ticket}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until the pipelines have nothing claimed, ready or in flight. A step counts its item processed before it
    /// leaves flight, and an item stays leased until its step settles it, so the totals are final once this returns.
    /// </summary>
    private async Task DrainAsync()
    {
        await WaitForAsync("tickets", p => Queue(p, "ready") == 0 && Queue(p, "leased") == 0 && Queue(p, "scheduled") == 0
            && p.GetProperty("inFlight").GetInt64() == 0);
        await WaitForAsync("whatsapp", p => p.GetProperty("queueDepth").GetInt64() == 0 && p.GetProperty("inFlight").GetInt64() == 0);
        await WaitForAsync("webhooks", p => Queue(p, "ready") == 0 && Queue(p, "leased") == 0 && p.GetProperty("inFlight").GetInt64() == 0);
    }

    private async Task<Dictionary<string, JsonElement>> ListAsync()
    {
        var response = await _admin.GetAsync("/api/admin/pipelines");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("pipelines").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
    }

    private async Task<JsonElement> PipelineAsync(string name) => await (await _admin.GetAsync($"/api/admin/pipelines/{name}")).JsonAsync();

    private static long Count(JsonElement pipeline, string field) => pipeline.GetProperty(field).GetInt64();

    private static long Queue(JsonElement pipeline, string state) => pipeline.GetProperty("queue").GetProperty(state).GetInt64();

    private async Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var pipeline = await (await _admin.GetAsync($"/api/admin/pipelines/{name}")).JsonAsync();
            if (condition(pipeline))
            {
                return pipeline;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{name} never got there: {pipeline}");
            await Task.Delay(100);
        }
    }
}
