using System.Net;
using System.Text.Json;
using Pipeline.Actors.Entities.Registrations;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Payments;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Projections;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Payments;

public sealed class SqlitePaymentApiTests(AppFixture<SqliteTestDatabase> fixture) : PaymentApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresPaymentApiTests(AppFixture<PostgresTestDatabase> fixture) : PaymentApiContract<PostgresTestDatabase>(fixture);

/// <summary>Orders, confirmation and Razorpay webhooks through HTTP, on each storage: never a lost or double payment.</summary>
public abstract class PaymentApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PipelineApp _app = fixture.App;
    private readonly TestDatabase _database = fixture.Database;
    private readonly PaymentScenario _flow = new(fixture.App);

    /// <summary>
    /// The journal projection writes orders too, but up to a poll later: a confirmation reaching another node in that
    /// moment must find the order, and an order id is known only from this answer.
    /// </summary>
    [Fact]
    public async Task Every_order_is_in_the_read_side_when_its_placement_is_answered()
    {
        var eventId = await _flow.CreateEventAsync();
        var members = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _flow.CreateMemberAsync($"+91910000{i:D4}")));

        var placed = await Task.WhenAll(members.Select(async m =>
        {
            var (orderId, _) = await _flow.PlaceOrderAsync(eventId, m);
            return await _database.ScalarAsync($"SELECT count(*) FROM orders WHERE order_id = '{orderId}'");
        }));

        Assert.All(placed, rows => Assert.Equal(1, rows));
    }

    [Fact]
    public async Task Fifty_identical_confirmations_at_once_pay_once_and_replay_49_times()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
        var paymentId = PaymentScenario.NewPaymentId();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _flow.ConfirmAsync(eventId, memberId, orderId, paymentId)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.JsonAsync()));
        Assert.Equal(1, bodies.Count(b => !b.GetProperty("replayed").GetBoolean()));
        Assert.All(bodies, b => Assert.Equal(registrationId, b.GetProperty("registration").GetProperty("id").GetString()));
        Assert.All(bodies, b => Assert.Equal("paid", b.GetProperty("registration").GetProperty("status").GetString()));
        Assert.Equal(1, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());
        Assert.Single(await PaidMessagesAsync(registrationId));
    }

    [Fact]
    public async Task Two_hundred_members_confirming_at_once_count_exactly_200_attendees()
    {
        var eventId = await _flow.CreateEventAsync();
        var members = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => _flow.CreateMemberAsync($"+91900000{i:D4}")));
        var orders = await Task.WhenAll(members.Select(m => _flow.PlaceOrderAsync(eventId, m)));

        var responses = await Task.WhenAll(members.Zip(orders).Select(p =>
            _flow.ConfirmAsync(eventId, p.Item1, p.Item2.OrderId, PaymentScenario.NewPaymentId())));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(200, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());
        var paid = await (await _flow.Admin.GetAsync($"/api/events/{eventId}/registrations?status=paid&limit=200")).JsonAsync();
        Assert.Equal(200, paid.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Client_confirmation_and_webhook_racing_make_one_registration_and_one_paid_message()
    {
        var eventId = await _flow.CreateEventAsync(fee: 49900);
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
        var paymentId = PaymentScenario.NewPaymentId();

        var client = Enumerable.Range(0, 10).Select(_ => _flow.ConfirmAsync(eventId, memberId, orderId, paymentId));
        var webhook = Enumerable.Range(0, 10).Select(_ => _flow.SendWebhookAsync(paymentId, orderId, 49900));
        var responses = await Task.WhenAll(client.Concat(webhook));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.JsonAsync()));
        var firsts = bodies.Count(b => b.TryGetProperty("replayed", out var replayed) ? !replayed.GetBoolean() : b.GetProperty("status").GetString() == "confirmed");
        Assert.Equal(1, firsts);
        Assert.Single(await PaidMessagesAsync(registrationId));
        Assert.Equal(1, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());
    }

    [Fact]
    public async Task A_webhook_alone_confirms_and_a_later_client_call_replays()
    {
        var eventId = await _flow.CreateEventAsync(fee: 1000);
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
        var paymentId = PaymentScenario.NewPaymentId();

        var hook = await (await _flow.SendWebhookAsync(paymentId, orderId, 1000, eventId: "evt_once")).JsonAsync();
        var again = await (await _flow.SendWebhookAsync(paymentId, orderId, 1000, eventId: "evt_once")).JsonAsync();
        var client = await (await _flow.ConfirmAsync(eventId, memberId, orderId, paymentId)).JsonAsync();

        Assert.Equal("confirmed", hook.GetProperty("status").GetString());
        Assert.Equal(registrationId, hook.GetProperty("registrationId").GetString());
        Assert.Equal("duplicate", again.GetProperty("status").GetString());
        Assert.True(client.GetProperty("replayed").GetBoolean());
        Assert.Equal(paymentId, client.GetProperty("registration").GetProperty("paymentId").GetString());
    }

    [Fact]
    public async Task A_second_valid_payment_is_409_already_paid_and_kept_as_unapplied()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
        await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId());
        var second = PaymentScenario.NewPaymentId();

        var response = await _flow.ConfirmAsync(eventId, memberId, orderId, second);
        var replay = await _flow.ConfirmAsync(eventId, memberId, orderId, second);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("already_paid", (await response.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        var unapplied = await UnappliedAsync();
        var kept = Assert.Single(unapplied, p => p.GetProperty("paymentId").GetString() == second);
        Assert.Equal(registrationId, kept.GetProperty("registrationId").GetString());
        Assert.Equal(49900, kept.GetProperty("amount").GetProperty("amount").GetInt64());
        var messages = (await OutboxAsync()).Where(m => m.Type == "payment.unapplied" && m.Data.Contains(second)).ToList();
        var message = Assert.Single(messages);
        var data = JsonDocument.Parse(message.Data).RootElement;
        Assert.Equal(orderId, data.GetProperty("orderId").GetString());
        Assert.Equal(registrationId, data.GetProperty("registrationId").GetString());
        Assert.Equal(1, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());
    }

    [Fact]
    public async Task An_order_for_a_paid_registration_is_409_already_paid()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, _) = await _flow.PlaceOrderAsync(eventId, memberId);
        await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId());

        var response = await _flow.Public.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("already_paid", (await response.JsonAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Refused_confirmations_give_their_code_and_change_nothing()
    {
        var eventId = await _flow.CreateEventAsync();
        var otherEventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var otherMemberId = await _flow.CreateMemberAsync("+14155550100");
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
        var (otherOrderId, otherRegistrationId) = await _flow.PlaceOrderAsync(eventId, otherMemberId);
        var othersPayment = PaymentScenario.NewPaymentId();
        await _flow.ConfirmAsync(eventId, otherMemberId, otherOrderId, othersPayment);
        var journal = await JournalAsync(eventId, memberId, otherMemberId);
        var outbox = (await OutboxAsync()).Count(m => !m.Type.StartsWith("ticket.", StringComparison.Ordinal));
        var paymentId = PaymentScenario.NewPaymentId();

        await Expect(HttpStatusCode.BadRequest, "invalid_signature", _flow.ConfirmAsync(eventId, memberId, orderId, paymentId, signature: new string('0', 64)));
        await Expect(HttpStatusCode.BadRequest, "invalid_signature", _flow.ConfirmAsync(eventId, memberId, orderId, paymentId, signature: "not-hex"));
        await Expect(HttpStatusCode.NotFound, "order_not_found", _flow.ConfirmAsync(eventId, memberId, "order_unknown", paymentId));
        await Expect(HttpStatusCode.Conflict, "order_mismatch", _flow.ConfirmAsync(eventId, memberId, otherOrderId, paymentId));
        await Expect(HttpStatusCode.Conflict, "order_mismatch", _flow.ConfirmAsync(otherEventId, memberId, orderId, paymentId));
        await Expect(HttpStatusCode.Conflict, "payment_conflict", _flow.ConfirmAsync(eventId, memberId, orderId, othersPayment));
        await Expect(HttpStatusCode.NotFound, "event_not_found", _flow.ConfirmAsync("evt_unknown", memberId, orderId, paymentId));
        await Expect(HttpStatusCode.NotFound, "member_not_found", _flow.ConfirmAsync(eventId, "mem_unknown", orderId, paymentId));
        await Expect(HttpStatusCode.BadRequest, "validation_failed", _flow.Public.PostRawAsync($"/api/public/events/{eventId}/confirm-payment", "{\"memberId\": 5}"));
        var badHook = await _flow.SendWebhookAsync(paymentId, orderId, 49900, signature: new string('a', 64));
        Assert.Equal(HttpStatusCode.BadRequest, badHook.StatusCode);

        Assert.Equal(journal, await JournalAsync(eventId, memberId, otherMemberId));
        Assert.Equal(outbox, (await OutboxAsync()).Count(m => !m.Type.StartsWith("ticket.", StringComparison.Ordinal)));
        var registration = await (await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
        Assert.Equal("pending", registration.GetProperty("status").GetString());
        var other = await (await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{otherRegistrationId}")).JsonAsync();
        Assert.Equal(othersPayment, other.GetProperty("paymentId").GetString());
    }

    [Fact]
    public async Task The_same_payment_racing_onto_two_registrations_is_applied_once()
    {
        var eventId = await _flow.CreateEventAsync(fee: 700);
        var members = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => _flow.CreateMemberAsync($"+4420700000{i:D2}")));
        var orders = await Task.WhenAll(members.Select(m => _flow.PlaceOrderAsync(eventId, m)));
        var paymentId = PaymentScenario.NewPaymentId();

        // Webhooks skip the signature binding of client calls, so a forged or buggy export is the way this could happen.
        var responses = await Task.WhenAll(orders.Select(o => _flow.SendWebhookAsync(paymentId, o.OrderId, 700)));

        var outcomes = await Task.WhenAll(responses.Select(async r => (await r.JsonAsync()).GetProperty("status").GetString()));
        Assert.Equal(1, outcomes.Count(o => o == "confirmed"));
        Assert.Equal(7, outcomes.Count(o => o == "conflict"));
        Assert.Equal(1, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());
    }

    /// <summary>
    /// Most confirmations of a payment are replays (client, webhook, reconciliation file): the registration answers them
    /// from its state, and only a payment it records costs a claim (a round trip to storage on PostgreSQL).
    /// </summary>
    [Fact]
    public async Task Replays_and_refused_amounts_are_answered_without_claiming_the_payment_id()
    {
        var database = new TDatabase();
        await database.InitializeAsync();
        try
        {
            var counted = new CountingPaymentClaims();
            await using var app = new PipelineApp(database)
            {
                TestServices = services => services.AddSingleton<IPaymentClaims>(sp => counted.Around(sp.GetRequiredService<IStorage>().PaymentClaims)),
            };
            var flow = new PaymentScenario(app);
            var eventId = await flow.CreateEventAsync(fee: 1000);
            var memberId = await flow.CreateMemberAsync();
            var (orderId, _) = await flow.PlaceOrderAsync(eventId, memberId);
            var paymentId = PaymentScenario.NewPaymentId();

            (await flow.SendWebhookAsync(paymentId, orderId, 999)).Dispose();
            Assert.Equal(0, counted.Claims);
            Assert.Equal(HttpStatusCode.OK, (await flow.ConfirmAsync(eventId, memberId, orderId, paymentId)).StatusCode);
            Assert.Equal(1, counted.Claims);
            var replays = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => flow.ConfirmAsync(eventId, memberId, orderId, paymentId)));
            var hook = await (await flow.SendWebhookAsync(paymentId, orderId, 1000)).JsonAsync();

            Assert.All(await Task.WhenAll(replays.Select(r => r.JsonAsync())), b => Assert.True(b.GetProperty("replayed").GetBoolean()));
            Assert.Equal("replayed", hook.GetProperty("status").GetString());
            Assert.Equal(1, counted.Claims);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    private sealed class CountingPaymentClaims : IPaymentClaims
    {
        private IPaymentClaims? _inner;
        private int _claims;

        public int Claims => Volatile.Read(ref _claims);

        public IPaymentClaims Around(IPaymentClaims inner)
        {
            _inner = inner;
            return this;
        }

        public Task<string> ClaimAsync(string paymentId, string holder, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _claims);
            return _inner!.ClaimAsync(paymentId, holder, cancellationToken);
        }
    }

    [Fact]
    public async Task A_confirmation_whose_reply_was_lost_replays_after_a_restart()
    {
        // A database of its own, so the node can really stop and start again (one node per SQLite file).
        var database = new TDatabase();
        await database.InitializeAsync();
        try
        {
            string eventId, memberId, orderId, registrationId, paymentId = PaymentScenario.NewPaymentId();
            await using (var before = new PipelineApp(database))
            {
                var flow = new PaymentScenario(before);
                eventId = await flow.CreateEventAsync();
                memberId = await flow.CreateMemberAsync();
                (orderId, registrationId) = await flow.PlaceOrderAsync(eventId, memberId);
                (await flow.ConfirmAsync(eventId, memberId, orderId, paymentId)).Dispose(); // the client never reads it
            }

            await using var restarted = new PipelineApp(database);
            var response = await new PaymentScenario(restarted).ConfirmAsync(eventId, memberId, orderId, paymentId);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            Assert.True(body.GetProperty("replayed").GetBoolean());
            Assert.Equal(registrationId, body.GetProperty("registration").GetProperty("id").GetString());
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Unknown_webhook_events_are_acknowledged_and_ignored()
    {
        var response = await _flow.SendWebhookAsync("pay_x", "order_x", 100, type: "order.paid");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ignored", (await response.JsonAsync()).GetProperty("status").GetString());
    }

    private static async Task Expect(HttpStatusCode status, string code, Task<HttpResponseMessage> call)
    {
        var response = await call;
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (await response.JsonAsync()).GetProperty("code").GetString());
    }

    private async Task<List<OutboxMessage>> OutboxAsync()
    {
        await _app.ProjectedAsync();
        return (await _app.Storage.Outbox.ReadAfterAsync(0, 1_000_000)).Select(m => m.Message).ToList();
    }

    private async Task<List<OutboxMessage>> PaidMessagesAsync(string registrationId) =>
        (await OutboxAsync()).Where(m => m.Type == "registration.paid" && JsonDocument.Parse(m.Data).RootElement.GetProperty("id").GetString() == registrationId).ToList();

    private async Task<List<JsonElement>> UnappliedAsync() =>
        (await (await _flow.Admin.GetAsync("/api/admin/payments/unapplied?limit=200")).JsonAsync()).GetProperty("items").EnumerateArray().ToList();

    /// <summary>
    /// The payment-side events of each registration's journal (Akka's <c>event_journal</c>, by manifest): any write a
    /// confirmation made would change them. (Ticket events and outbox records are left out: the tickets pipeline records
    /// deliveries in the background; the outbox is compared on its own.)
    /// </summary>
    private async Task<string> JournalAsync(string eventId, params string[] memberIds)
    {
        var entries = new List<string>();
        foreach (var memberId in memberIds)
        {
            var rows = await _app.Storage.Projections.ReadHistoriesAsync(
                [new EntityHistory("registration/" + RegistrationState.KeyOf(eventId, memberId), 1, long.MaxValue)]);
            var types = rows.Select(r => r.Manifest)
                .Where(m => !m.StartsWith("Ticket", StringComparison.Ordinal) && m != "OutboxMessageRecorded").ToList();
            entries.Add(types.Count > 0 ? string.Join("+", types) : "none");
        }
        return string.Join(",", entries);
    }
}
