using System.Net;
using System.Text.Json;
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
        // Journal writes and recoveries (of new entities): their histograms have samples. The registration stays live
        // for the shard gauges below (records leave memory within seconds).
        var eventId = await _flow.CreateEventAsync();
        await _flow.PlaceOrderAsync(eventId, await _flow.CreateMemberAsync());
        await _flow.Public.GetAsync("/api/events");
        await _flow.Public.GetAsync("/api/events/evt_not_there");
        await _flow.Public.GetAsync("/api/events/evt_other_missing");
        await _flow.Public.GetAsync("/no/such/path");

        // The node's daemon process starts its work partitions shortly after start-up, not before the first request:
        // read the exposition once they all run (a read before that found none: a CI run failed so).
        HttpResponseMessage response = null!;
        var exposition = "";
        await Pipeline.Tests.Cluster.Poll.UntilAsync(async () =>
        {
            response = await _flow.Public.GetAsync("/metrics");
            exposition = await response.Content.ReadAsStringAsync();
            return PrometheusExposition.Parse(exposition).TryGetValue("pipeline_work_partitions_owned", out var owned)
                && owned.Samples is [{ Value: 30 }];
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var families = PrometheusExposition.Parse(exposition);

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
            Assert.Equal(new[] { "jobs", "tickets", "webhooks", "whatsapp" }, Family(families, name, "gauge").Samples.Select(s => s.Labels["pipeline"]).Order().ToArray());
        }
        foreach (var name in new[] { "pipeline_processed_total", "pipeline_failed_total" })
        {
            Assert.Equal(new[] { "jobs", "tickets", "webhooks", "whatsapp" }, Family(families, name, "counter").Samples.Select(s => s.Labels["pipeline"]).Order().ToArray());
        }
        var circuit = Assert.Single(Family(families, "pipeline_circuit_state", "gauge").Samples, s => s.Labels["pipeline"] == "whatsapp");
        Assert.Equal(0, circuit.Value);
        Assert.Equal(12, Family(families, "pipeline_queue_items", "gauge").Samples.Count); // 3 queues x 4 states
        Family(families, "pipeline_whatsapp_messages_total", "counter");
        Family(families, "pipeline_webhook_deliveries_total", "counter");
        foreach (var name in new[] { "pipeline_entity_transactions_total", "pipeline_entity_commands_committed_total" })
        {
            Assert.Equal(new[] { "batch", "event", "member", "registration", "webhook-endpoint" }, Family(families, name, "counter").Samples.Select(s => s.Labels["entity"]).Order().ToArray());
        }
        Assert.Equal(new[] { "batch", "event", "member", "registration", "webhook-endpoint" }, Family(families, "pipeline_entity_live", "gauge").Samples.Select(s => s.Labels["entity"]).Order().ToArray());
        Assert.Equal(new[] { "batch", "event", "member", "registration", "webhook-endpoint" }, Family(families, "pipeline_entity_ask_timeouts_total", "counter").Samples.Select(s => s.Labels["entity"]).Order().ToArray());
        Assert.Contains(Family(families, "pipeline_journal_write_duration_seconds", "histogram").Samples, s => s.Labels["entity"] == "event");
        Assert.Contains(Family(families, "pipeline_entity_recovery_duration_seconds", "histogram").Samples, s => s.Labels["entity"] == "event");

        // A cluster of one (SQLite): this node, up and reachable, hosting the shard of the event just created.
        var members = Family(families, "pipeline_cluster_members", "gauge").Samples.ToDictionary(s => s.Labels["status"], s => s.Value);
        Assert.Equal(new[] { "down", "exiting", "joining", "leaving", "removed", "up", "weakly_up" }, members.Keys.Order().ToArray());
        Assert.Equal(1, members["up"]);
        Assert.Equal(1, members.Values.Sum());
        Assert.Equal(0, Assert.Single(Family(families, "pipeline_cluster_unreachable_members", "gauge").Samples).Value);
        foreach (var name in new[] { "pipeline_cluster_shards", "pipeline_cluster_shard_entities" })
        {
            var hosted = Family(families, name, "gauge").Samples.ToDictionary(s => s.Labels["entity"], s => s.Value);
            Assert.Equal(new[] { "batch", "event", "member", "registration", "webhook-endpoint" }, hosted.Keys.Order().ToArray());
            Assert.True(hosted["registration"] >= 1, $"{name} counts the registration's shard and entity");
        }
        // A cluster of one owns every work partition (once its daemon process has started them all).
        Assert.Equal(30, Assert.Single(Family(families, "pipeline_work_partitions_owned", "gauge").Samples).Value);
        var lag = Assert.Single(Family(families, "pipeline_projection_lag_events", "gauge").Samples);
        Assert.Equal("journal", lag.Labels["projection"]);
        Assert.True(lag.Value >= 0);

        // The runtime's own meter, beside ours: GC collections by generation and the time the GC paused the process.
        Assert.Contains(Family(families, "dotnet_gc_collections_total", "counter").Samples, s => s.Labels["gc_heap_generation"] == "gen0");
        Assert.True(Assert.Single(Family(families, "dotnet_gc_pause_time_seconds_total", "counter").Samples).Value >= 0);
        Family(families, "dotnet_thread_pool_queue_length_total", "counter");

        var build = Assert.Single(Family(families, "pipeline_build_info", "gauge").Samples);
        Assert.Equal(1, build.Value);
        Assert.False(string.IsNullOrEmpty(build.Labels["version"]));
    }

    [Fact]
    public async Task Paid_registrations_move_the_entity_pipeline_and_whatsapp_numbers_by_exactly_their_work()
    {
        const int Paid = 2;
        await DrainAsync();
        var before = await ScrapeAsync();
        var eventId = await _flow.CreateEventAsync();
        var registrations = new List<string>();
        for (var i = 0; i < Paid; i++)
        {
            var memberId = await _flow.CreateMemberAsync($"+91981111{i:0000}");
            var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
            Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
            registrations.Add(registrationId);
        }
        foreach (var registrationId in registrations)
        {
            await TicketSentAsync(eventId, registrationId);
        }
        await DrainAsync();

        // Queue depths are read from storage at most every 2 s (QueueDepths.MaxAge): wait for a scrape that has caught up.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyDictionary<string, PromFamily> after;
        while (Value(after = await ScrapeAsync(), "pipeline_queue_depth", "pipeline", "tickets") != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the scraped tickets queue depth should reach 0 after the drain");
            await Task.Delay(200);
        }

        Assert.Equal(Sent(before) + Paid, Sent(after));
        Assert.Equal(Outcome(before, "retry"), Outcome(after, "retry"));
        Assert.Equal(Outcome(before, "failed"), Outcome(after, "failed"));
        foreach (var pipeline in new[] { "tickets", "whatsapp" })
        {
            Assert.Equal(Value(before, "pipeline_processed_total", "pipeline", pipeline) + Paid, Value(after, "pipeline_processed_total", "pipeline", pipeline));
            Assert.Equal(Value(before, "pipeline_failed_total", "pipeline", pipeline), Value(after, "pipeline_failed_total", "pipeline", pipeline));
        }
        Assert.All(after["pipeline_in_flight"].Samples, s => Assert.Equal(0, s.Value));
        Assert.Equal(0, Value(after, "pipeline_queue_depth", "pipeline", "whatsapp"));
        // Per registration: PlaceOrder, ConfirmPayment and the ticket's outcome are the commands that write events.
        Assert.Equal(Value(before, "pipeline_entity_commands_committed_total", "entity", "registration") + 3 * Paid,
            Value(after, "pipeline_entity_commands_committed_total", "entity", "registration"));
        Assert.Equal(Value(before, "pipeline_entity_commands_committed_total", "entity", "member") + Paid,
            Value(after, "pipeline_entity_commands_committed_total", "entity", "member"));
        Assert.Contains(after["pipeline_http_request_duration_seconds"].Samples, s =>
            s.Labels["route"] == "/api/public/events/{eventId}/confirm-payment" && s.Labels["method"] == "POST" && s.Labels["status"] == "200");
    }

    /// <summary>Records are written once and never commanded again: they leave memory within seconds, not the idle timeout.</summary>
    [Fact]
    public async Task Event_and_member_records_leave_memory_within_seconds_while_a_registration_stays_for_the_idle_timeout()
    {
        var eventId = await _flow.CreateEventAsync();
        await _flow.PlaceOrderAsync(eventId, await _flow.CreateMemberAsync());

        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            var families = await ScrapeAsync();
            return Value(families, "pipeline_entity_live", "entity", "event") == 0 && Value(families, "pipeline_entity_live", "entity", "member") == 0;
        }, TimeSpan.FromSeconds(30)), "the records should be passivated after 10 s idle");
        Assert.True(Value(await ScrapeAsync(), "pipeline_entity_live", "entity", "registration") >= 1, "the registration stays (2 min idle)");
    }

    private async Task TicketSentAsync(string eventId, string registrationId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var registration = await (await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
            if (registration.GetProperty("ticket").GetProperty("status").GetString() == "sent")
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the ticket of {registrationId} was never sent: {registration}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until nothing is claimed, ready or in flight (admin API, read live). A step counts its item processed
    /// before it leaves flight, and an item stays leased until its step settles it, so the totals are final then.
    /// </summary>
    private async Task DrainAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var pipelines = (await (await _flow.Admin.GetAsync("/api/admin/pipelines")).JsonAsync()).GetProperty("pipelines").EnumerateArray().ToList();
            if (pipelines.All(p => p.GetProperty("queueDepth").GetInt64() == 0 && p.GetProperty("inFlight").GetInt64() == 0
                && (!p.TryGetProperty("queue", out var queue) || queue.ValueKind == JsonValueKind.Null || queue.GetProperty("leased").GetInt64() == 0)))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the pipelines should drain");
            await Task.Delay(50);
        }
    }

    private static double Outcome(IReadOnlyDictionary<string, PromFamily> families, string outcome) =>
        families["pipeline_whatsapp_messages_total"].Samples.Where(s => s.Labels["outcome"] == outcome).Sum(s => s.Value);

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
