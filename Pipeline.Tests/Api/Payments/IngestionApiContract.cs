using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Payments;

public sealed class SqliteIngestionApiTests(AppFixture<SqliteTestDatabase> fixture) : IngestionApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresIngestionApiTests(AppFixture<PostgresTestDatabase> fixture) : IngestionApiContract<PostgresTestDatabase>(fixture);

/// <summary><c>POST /api/ingest/payments</c>: NDJSON in, one result line per non-blank line out, in order.</summary>
public abstract class IngestionApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PaymentScenario _flow = new(fixture.App);

    [Fact]
    public async Task A_mix_of_new_duplicate_and_invalid_lines_gets_the_right_outcome_per_line()
    {
        var eventId = await _flow.CreateEventAsync(fee: 500);
        var a = await _flow.CreateMemberAsync("+919800000001");
        var b = await _flow.CreateMemberAsync("+919800000002");
        var c = await _flow.CreateMemberAsync("+919800000003");
        var (orderA, registrationA) = await _flow.PlaceOrderAsync(eventId, a);
        var (orderB, registrationB) = await _flow.PlaceOrderAsync(eventId, b);
        var (orderC, _) = await _flow.PlaceOrderAsync(eventId, c);
        var payA = PaymentScenario.NewPaymentId();
        var payB = PaymentScenario.NewPaymentId();
        var payB2 = PaymentScenario.NewPaymentId();

        var lines = new[]
        {
            Line(payA, orderA, 500),                 // 1 confirmed
            Line(payA, orderA, 500),                 // 2 replayed
            "",                                      // 3 blank: no result
            "{not json",                             // 4 invalid unparsable
            Line(payB, orderB, 500),                 // 5 confirmed
            Line(payB2, orderB, 500),                // 6 already_paid (kept unapplied)
            Line(payA, orderC, 500),                 // 7 conflict: payA is applied to A
            Line("pay_unknown_order", "order_nope", 500), // 8 invalid order_not_found
            Line(PaymentScenario.NewPaymentId(), orderC, 499), // 9 invalid amount_mismatch
            Line(PaymentScenario.NewPaymentId(), orderC, 500, "failed"), // 10 invalid not_captured
            "{\"id\": 5}",                           // 11 invalid unparsable (wrong types)
        };

        var results = await IngestAsync(string.Join("\n", lines) + "\n");

        Assert.Equal([1, 2, 4, 5, 6, 7, 8, 9, 10, 11], results.Select(r => r.GetProperty("line").GetInt32()));
        Assert.Equal(
            ["confirmed", "replayed", "invalid", "confirmed", "already_paid", "conflict", "invalid", "invalid", "invalid", "invalid"],
            results.Select(r => r.GetProperty("outcome").GetString()));
        Assert.Equal(registrationA, results[0].GetProperty("registrationId").GetString());
        Assert.Equal(payA, results[0].GetProperty("paymentId").GetString());
        Assert.Equal(registrationB, results[3].GetProperty("registrationId").GetString());
        Assert.Equal(["unparsable", "order_not_found", "amount_mismatch", "not_captured", "unparsable"],
            results.Where(r => r.GetProperty("outcome").GetString() == "invalid").Select(r => r.GetProperty("error").GetString()));
        Assert.Equal(2, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());
    }

    [Fact]
    public async Task Lines_for_the_same_order_are_decided_in_input_order()
    {
        var eventId = await _flow.CreateEventAsync(fee: 100);
        var member = await _flow.CreateMemberAsync("+919800000009");
        var (order, _) = await _flow.PlaceOrderAsync(eventId, member);
        var payments = Enumerable.Range(0, 40).Select(_ => PaymentScenario.NewPaymentId()).ToList();

        var results = await IngestAsync(string.Join("\n", payments.Select(p => Line(p, order, 100))));

        Assert.Equal("confirmed", results[0].GetProperty("outcome").GetString());
        Assert.All(results.Skip(1), r => Assert.Equal("already_paid", r.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task Twenty_thousand_lines_stream_through_with_one_result_each_in_order()
    {
        const int count = 20_000;
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            body.Append(Line($"pay_bulk_{i}", $"order_missing_{i}", 100)).Append('\n');
        }

        var results = await IngestAsync(body.ToString());

        Assert.Equal(count, results.Count);
        Assert.Equal(Enumerable.Range(1, count), results.Select(r => r.GetProperty("line").GetInt32()));
        Assert.All(results, r => Assert.Equal("order_not_found", r.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Ingestion_needs_the_admin_key()
    {
        var response = await _flow.Public.PostAsync("/api/ingest/payments", new StringContent("{}\n", Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<List<JsonElement>> IngestAsync(string body)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await _flow.Admin.PostAsync("/api/ingest/payments", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static string Line(string paymentId, string orderId, long amount, string status = "captured") =>
        JsonSerializer.Serialize(new { id = paymentId, order_id = orderId, amount, currency = "INR", status });
}
