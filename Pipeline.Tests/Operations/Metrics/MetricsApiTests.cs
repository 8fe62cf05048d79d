using System.Net;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Metrics;

/// <summary>
/// <c>GET /metrics</c> of a real host, read line by line with a strict parser of the text format, then the contract's
/// instruments checked by name, type and labels. Storage plays no part in the format, so SQLite only.
/// </summary>
public sealed class MetricsApiTests(AppFixture<SqliteTestDatabase> fixture) : IClassFixture<AppFixture<SqliteTestDatabase>>
{
    private readonly PaymentScenario _flow = new(fixture.App);

    [Fact]
    public async Task The_exposition_is_valid_text_format_with_every_contract_instrument()
    {
        await _flow.Public.GetAsync("/api/events");
        await _flow.Public.GetAsync("/api/events/evt_not_there");
        await _flow.Public.GetAsync("/api/events/evt_other_missing");
        await _flow.Public.GetAsync("/no/such/path");

        var response = await _flow.Public.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var families = PrometheusExposition.Parse(await response.Content.ReadAsStringAsync());

        var http = Family(families, "pipeline_http_request_duration_seconds", "histogram");
        // By route pattern, never the raw path: two missing ids are one series.
        var notFound = Assert.Single(http.Samples, s => s.Name.EndsWith("_count", StringComparison.Ordinal)
            && s.Labels["route"] == "/api/events/{eventId}" && s.Labels["status"] == "404" && s.Labels["method"] == "GET");
        Assert.Equal(2, notFound.Value);
        Assert.DoesNotContain(http.Samples, s => s.Labels["route"].Contains("evt_not_there", StringComparison.Ordinal));
        Assert.Contains(http.Samples, s => s.Labels["route"] == "unmatched" && s.Labels["status"] == "404");
        Assert.Contains(http.Samples, s => s.Labels["route"] == "/api/events" && s.Labels["status"] == "200");

        foreach (var name in new[] { "pipeline_queue_depth", "pipeline_in_flight" })
        {
            Assert.Equal(new[] { "tickets", "webhooks", "whatsapp" }, Family(families, name, "gauge").Samples.Select(s => s.Labels["pipeline"]).Order().ToArray());
        }
        foreach (var name in new[] { "pipeline_processed_total", "pipeline_failed_total" })
        {
            Assert.Equal(new[] { "tickets", "webhooks", "whatsapp" }, Family(families, name, "counter").Samples.Select(s => s.Labels["pipeline"]).Order().ToArray());
        }
        var circuit = Assert.Single(Family(families, "pipeline_circuit_state", "gauge").Samples, s => s.Labels["pipeline"] == "whatsapp");
        Assert.Equal(0, circuit.Value);
        Assert.Equal(12, Family(families, "pipeline_queue_items", "gauge").Samples.Count); // 3 queues x 4 states
        Family(families, "pipeline_whatsapp_messages_total", "counter");
        Family(families, "pipeline_webhook_deliveries_total", "counter");
        foreach (var name in new[] { "pipeline_entity_transactions_total", "pipeline_entity_commands_committed_total" })
        {
            Assert.Equal(new[] { "batch", "event", "member", "registration" }, Family(families, name, "counter").Samples.Select(s => s.Labels["entity"]).Order().ToArray());
        }
        Assert.Equal(new[] { "batch", "event", "member", "registration" }, Family(families, "pipeline_entity_live", "gauge").Samples.Select(s => s.Labels["entity"]).Order().ToArray());
        var build = Assert.Single(Family(families, "pipeline_build_info", "gauge").Samples);
        Assert.Equal(1, build.Value);
        Assert.False(string.IsNullOrEmpty(build.Labels["version"]));
    }

    [Fact]
    public async Task A_paid_registration_moves_the_entity_pipeline_and_whatsapp_numbers()
    {
        var before = await ScrapeAsync();
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync("+919811111111");
        var (orderId, _) = await _flow.PlaceOrderAsync(eventId, memberId);
        Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);

        // The sandbox sender records the ticket message; the sent counter follows once the outcome is recorded, and the
        // whatsapp step's processed counter only after the step has returned: wait for both, not for the first alone.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyDictionary<string, PromFamily> after;
        while (Sent(after = await ScrapeAsync()) < Sent(before) + 1
            || Value(after, "pipeline_processed_total", "pipeline", "whatsapp") <= Value(before, "pipeline_processed_total", "pipeline", "whatsapp"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the ticket should be sent and counted");
            await Task.Delay(200);
        }

        Assert.True(Value(after, "pipeline_entity_commands_committed_total", "entity", "registration")
            >= Value(before, "pipeline_entity_commands_committed_total", "entity", "registration") + 2);
        Assert.True(Value(after, "pipeline_processed_total", "pipeline", "whatsapp") > Value(before, "pipeline_processed_total", "pipeline", "whatsapp"));
        Assert.Contains(after["pipeline_http_request_duration_seconds"].Samples, s =>
            s.Labels["route"] == "/api/public/events/{eventId}/confirm-payment" && s.Labels["method"] == "POST" && s.Labels["status"] == "200");
    }

    private static double Sent(IReadOnlyDictionary<string, PromFamily> families) =>
        families["pipeline_whatsapp_messages_total"].Samples.Where(s => s.Labels["outcome"] == "sent").Sum(s => s.Value);

    private static double Value(IReadOnlyDictionary<string, PromFamily> families, string name, string label, string value) =>
        Assert.Single(families[name].Samples, s => s.Labels[label] == value).Value;

    private async Task<IReadOnlyDictionary<string, PromFamily>> ScrapeAsync() =>
        PrometheusExposition.Parse(await (await _flow.Public.GetAsync("/metrics")).Content.ReadAsStringAsync());

    private static PromFamily Family(IReadOnlyDictionary<string, PromFamily> families, string name, string type)
    {
        Assert.True(families.TryGetValue(name, out var family), $"{name} is exposed");
        Assert.Equal(type, family.Type);
        Assert.False(string.IsNullOrWhiteSpace(family.Help));
        return family;
    }
}
