using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using Polly.CircuitBreaker;

namespace Pipeline.Tests.Streams.Pipelines;

public sealed class SqliteWebhookDeliveryTests() : WebhookDeliveryContract(new SqliteTestDatabase());

public sealed class PostgresWebhookDeliveryTests() : WebhookDeliveryContract(new PostgresTestDatabase());

/// <summary>
/// The webhooks pipeline end to end: a state change through HTTP (a batch consumed to zero emits
/// <c>batch.depleted</c>), its outbox message fanned out to the subscribed endpoints, and signed deliveries to a local
/// receiver, with retries, dead letters and manual retries (isolation between endpoints: <see cref="WebhookIsolationContract"/>). Each test has its own
/// database and host; private networks are allowed because the receiver is on 127.0.0.1.
/// </summary>
public abstract class WebhookDeliveryContract(TestDatabase database) : IAsyncLifetime
{
    private const string Depleted = "batch.depleted";
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task A_state_change_is_delivered_once_signed_with_its_outbox_message_id_and_recorded_as_delivered()
    {
        await using var app = App();
        using var admin = app.CreateAdminClient();
        var endpoint = await CreateEndpointAsync(admin, "a", Depleted);

        var batchId = await DepleteBatchAsync(admin);

        var receipt = await SingleReceiptAsync("a");
        Assert.True(receipt.SignatureValid, "the receiver verifies the signature with the endpoint's secret");
        var message = Assert.Single(await app.Storage.Outbox.ReadAfterAsync(0, 1000), m => m.Message.Type == Depleted).Message;
        Assert.Equal(message.Id, receipt.WebhookId);
        using var body = JsonDocument.Parse(receipt.Body);
        Assert.Equal(Depleted, body.RootElement.GetProperty("type").GetString());
        Assert.Equal(message.CreatedAt, body.RootElement.GetProperty("timestamp").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(batchId, body.RootElement.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal(0, body.RootElement.GetProperty("data").GetProperty("remaining").GetInt64());

        var delivery = await DeliveryWhenAsync(admin, endpoint, "delivered");
        Assert.Equal((message.Id, Depleted, 1, 200), (
            delivery.GetProperty("messageId").GetString(), delivery.GetProperty("type").GetString(),
            delivery.GetProperty("attempts").GetInt32(), delivery.GetProperty("lastStatusCode").GetInt32()));
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("nextAttemptAt").ValueKind);
        Assert.StartsWith("dlv_", delivery.GetProperty("id").GetString());
        await WebhookTestKit.IdleAsync(app);
        Assert.Single(_receiver.For("a"));
    }

    [Fact]
    public async Task Only_endpoints_subscribed_to_the_type_get_the_message()
    {
        await using var app = App();
        using var admin = app.CreateAdminClient();
        await CreateEndpointAsync(admin, "depleted", Depleted, "ticket.sent");
        var other = await CreateEndpointAsync(admin, "paid", "registration.paid");

        await DepleteBatchAsync(admin);

        await SingleReceiptAsync("depleted");
        await WebhookTestKit.IdleAsync(app);
        Assert.Empty(_receiver.For("paid"));
        Assert.Empty((await (await admin.GetAsync($"/api/webhook-endpoints/{other}/deliveries")).JsonAsync()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Two_failures_then_success_is_delivered_on_the_third_attempt_with_the_same_webhook_id()
    {
        await using var app = App(RetryDelays("00:00:00.2", "00:00:00.4", "00:00:00.4"));
        using var admin = app.CreateAdminClient();
        var endpoint = await CreateEndpointAsync(admin, "a", Depleted);
        _receiver.FailNext("a", 2, 500);

        await DepleteBatchAsync(admin);

        var delivery = await DeliveryWhenAsync(admin, endpoint, "delivered");
        var receipts = _receiver.For("a");
        Assert.Equal(3, receipts.Count);
        Assert.Single(receipts.Select(r => r.WebhookId).Distinct());
        Assert.All(receipts, r => Assert.True(r.SignatureValid));
        Assert.Equal([500, 500, 200], receipts.Select(r => r.AnsweredStatus));
        Assert.Equal((3, 200), (delivery.GetProperty("attempts").GetInt32(), delivery.GetProperty("lastStatusCode").GetInt32()));
    }

    [Fact]
    public async Task After_the_last_attempt_a_delivery_is_dead_and_a_manual_retry_delivers_it()
    {
        await using var app = App(RetryDelays("00:00:00.1", "00:00:00.1"));
        using var admin = app.CreateAdminClient();
        var endpoint = await CreateEndpointAsync(admin, "a", Depleted);
        _receiver.AnswerWith("a", 503);

        await DepleteBatchAsync(admin);

        var dead = await DeliveryWhenAsync(admin, endpoint, "dead");
        Assert.Equal((3, 503), (dead.GetProperty("attempts").GetInt32(), dead.GetProperty("lastStatusCode").GetInt32()));
        Assert.Equal(3, _receiver.For("a").Count);
        var listed = await (await admin.GetAsync($"/api/webhook-endpoints/{endpoint}/deliveries?status=dead")).JsonAsync();
        Assert.Single(listed.GetProperty("items").EnumerateArray());

        _receiver.AnswerWith("a", 200);
        var retry = await admin.PostAsync($"/api/webhook-endpoints/{endpoint}/deliveries/{dead.GetProperty("id").GetString()}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);

        var delivered = await DeliveryWhenAsync(admin, endpoint, "delivered");
        Assert.Equal(4, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(4, _receiver.For("a").Count);
        Assert.Single(_receiver.For("a").Select(r => r.WebhookId).Distinct());
    }

    [Fact]
    public async Task Gone_is_dead_at_once()
    {
        await using var app = App(RetryDelays("00:00:00.1", "00:00:00.1"));
        using var admin = app.CreateAdminClient();
        var endpoint = await CreateEndpointAsync(admin, "a", Depleted);
        _receiver.AnswerWith("a", 410);

        await DepleteBatchAsync(admin);

        var dead = await DeliveryWhenAsync(admin, endpoint, "dead");
        Assert.Equal((1, 410), (dead.GetProperty("attempts").GetInt32(), dead.GetProperty("lastStatusCode").GetInt32()));
        Assert.Single(_receiver.For("a"));
    }

    [Fact]
    public async Task A_failed_delivery_waits_with_its_next_attempt_time_and_deleting_its_endpoint_makes_it_dead_and_stops_new_ones()
    {
        await using var app = App(RetryDelays("00:10:00"));
        using var admin = app.CreateAdminClient();
        var endpoint = await CreateEndpointAsync(admin, "a", Depleted);
        _receiver.AnswerWith("a", 500);
        await DepleteBatchAsync(admin);

        var failed = await DeliveryWhenAsync(admin, endpoint, "failed");
        Assert.Equal((1, 500), (failed.GetProperty("attempts").GetInt32(), failed.GetProperty("lastStatusCode").GetInt32()));
        Assert.InRange(failed.GetProperty("nextAttemptAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(13));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/webhook-endpoints/{endpoint}")).StatusCode);
        await DepleteBatchAsync(admin);
        await WebhookTestKit.IdleAsync(app); // the second message is fanned out: to no one

        var deliveries = await app.Storage.Webhooks.ListDeliveriesAsync(endpoint, null, long.MaxValue, 10);
        var only = Assert.Single(deliveries);
        Assert.Equal(("dead", "endpoint deleted"), (only.State, only.LastError));
        Assert.Single(_receiver.For("a"));
    }

    /// <summary>
    /// Two failures in a row open the endpoint's circuit: for the break its lane claims nothing, so its deliveries wait
    /// without spending attempts; the first attempt after the break is the trial, and its success lets the rest through.
    /// The break is an hour of a clock the test moves, so it lasts exactly until the test ends it, however slow the
    /// machine; everything else runs in real time.
    /// </summary>
    [Fact]
    public async Task A_failing_endpoint_opens_its_circuit_and_its_deliveries_wait_without_spending_attempts()
    {
        var breakDuration = TimeSpan.FromHours(1);
        var clock = new ShiftableTimeProvider();
        var settings = RetryDelays("00:00:00.05", "00:00:00.05", "00:00:00.05");
        settings["Pipeline:Webhooks:MaxInFlightPerEndpoint"] = "1";
        settings["Pipeline:Webhooks:BreakerMinimumThroughput"] = "2";
        settings["Pipeline:Webhooks:BreakerBreakDuration"] = breakDuration.ToString();
        await using var app = WebhookTestKit.App(database, settings, services => services.AddSingleton<TimeProvider>(clock));
        using var admin = app.CreateAdminClient();
        var endpoint = await CreateEndpointAsync(admin, "a", Depleted);
        _receiver.AnswerWith("a", 503);

        for (var i = 0; i < 5; i++)
        {
            await DepleteBatchAsync(admin);
        }

        // One attempt at a time (a lane of 1), so exactly two had reached the endpoint when the second failure opened it.
        var pipeline = app.Services.GetRequiredService<WebhookPipeline>();
        Assert.True(await Eventually.HoldsAsync(() => pipeline.Lanes?.Circuits().GetValueOrDefault(endpoint) == CircuitState.Open,
            TimeSpan.FromSeconds(15)), "the circuit never opened");
        Assert.Equal(2, _receiver.For("a").Count);
        // All five come due (the two failed ones after 50 ms) and stay unclaimed: the open lane has no room.
        var depth = default(QueueDepth);
        Assert.True(await Eventually.HoldsAsync(async () =>
            (depth = await app.Storage.Work.DepthAsync(OutboxRoutes.Deliveries)) == new QueueDepth(Ready: 5, Scheduled: 0, Leased: 0, Dead: 0),
            TimeSpan.FromSeconds(15)), $"deliveries: {depth}");
        Assert.Equal(0, pipeline.Lanes!.Limits()[endpoint]);
        Assert.Equal(2, _receiver.For("a").Count);

        _receiver.AnswerWith("a", 200);
        var breakEnded = Stopwatch.GetTimestamp();
        clock.Advance(breakDuration);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<JsonElement> deliveries;
        while (true)
        {
            deliveries = (await (await admin.GetAsync($"/api/webhook-endpoints/{endpoint}/deliveries")).JsonAsync()).GetProperty("items").EnumerateArray().ToList();
            if (deliveries.Count == 5 && deliveries.All(d => d.GetProperty("status").GetString() == "delivered"))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"not all delivered: {string.Join(", ", deliveries)}");
            await Task.Delay(50);
        }
        Assert.Equal(7, deliveries.Sum(d => d.GetProperty("attempts").GetInt32())); // two failed attempts, five successes
        Assert.Equal(7, _receiver.For("a").Count);
        Assert.All(_receiver.For("a").Skip(2), r => Assert.True(r.ArrivedAt > breakEnded, "an attempt reached the endpoint during the break"));
    }

    /// <summary>
    /// Both claims (fan-out and deliveries) park at the pause gate. Once both are parked before the message exists,
    /// nothing can take it until the gate opens, so the check that nothing was sent needs no sleep: the message's delivery
    /// is still waiting, unclaimed, and the receiver has nothing.
    /// </summary>
    [Fact]
    public async Task A_paused_pipeline_delivers_nothing_until_resumed()
    {
        await using var app = App();
        using var admin = app.CreateAdminClient();
        await CreateEndpointAsync(admin, "a", Depleted);
        var control = app.Services.GetRequiredService<PipelineRegistry>()[PipelineNames.Webhooks];
        control.Settings.Update(s => s with { Paused = true });
        Assert.True(await Eventually.HoldsAsync(() => control.Gate.Waiting == 2, TimeSpan.FromSeconds(15)),
            $"claims parked at the gate: {control.Gate.Waiting} of 2");

        await DepleteBatchAsync(admin);

        // The message and its delivery are written by the journal projection shortly after the consume.
        Assert.True(await Eventually.HoldsAsync(async () =>
            await app.Storage.Work.DepthAsync(OutboxRoutes.Deliveries) == new QueueDepth(Ready: 1, Scheduled: 0, Leased: 0, Dead: 0)));
        Assert.Equal(2, control.Gate.Waiting);
        Assert.Empty(_receiver.For("a"));

        control.Settings.Update(s => s with { Paused = false });
        await SingleReceiptAsync("a");
    }

    private PipelineApp App(IReadOnlyDictionary<string, string?>? extra = null) => WebhookTestKit.App(database, extra);

    private static Dictionary<string, string?> RetryDelays(params string[] delays) => WebhookTestKit.RetryDelays(delays);

    private Task<string> CreateEndpointAsync(HttpClient admin, string name, params string[] events) =>
        WebhookTestKit.CreateEndpointAsync(admin, _receiver, name, events);

    private static async Task<string> DepleteBatchAsync(HttpClient admin) => (await WebhookTestKit.DepleteBatchAsync(admin)).BatchId;

    private async Task<Receipt> SingleReceiptAsync(string endpoint)
    {
        Assert.True(await Eventually.HoldsAsync(() => _receiver.For(endpoint).Count > 0, TimeSpan.FromSeconds(15)), $"nothing reached {endpoint}");
        return Assert.Single(_receiver.For(endpoint));
    }

    /// <summary>The endpoint's only delivery once it has <paramref name="status"/>.</summary>
    private static async Task<JsonElement> DeliveryWhenAsync(HttpClient admin, string endpointId, string status)
    {
        JsonElement? last = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var page = await (await admin.GetAsync($"/api/webhook-endpoints/{endpointId}/deliveries")).JsonAsync();
            var items = page.GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 1)
            {
                last = items[0];
                if (items[0].GetProperty("status").GetString() == status)
                {
                    return items[0];
                }
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"the delivery never became {status}; last seen: {last}");
    }
}
