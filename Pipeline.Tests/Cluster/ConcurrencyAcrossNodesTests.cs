using System.Net;
using System.Text.Json;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// One entity hit through every node at once, with no sticky routing: the journal's optimistic concurrency (a node that
/// lost an append race reloads and decides again) and <c>VerifyAfter</c> (a cached entity reads the journal's tail before
/// deciding) keep every answer as if there were one node.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ConcurrencyAcrossNodesTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterClient _client = new(cluster);

    public Task InitializeAsync() => cluster.EnsureAllUpAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_same_payment_confirmed_30_times_through_three_nodes_at_once_registers_once()
    {
        var eventId = await _client.CreateEventAsync(0);
        var memberId = await _client.CreateMemberAsync(1, ClusterClient.NewPhone());
        var (orderId, registrationId) = await _client.PlaceOrderAsync(2, eventId, memberId);
        var paymentId = PaymentScenario.NewPaymentId();

        using var start = new SemaphoreSlim(0);
        var contention = 0;
        var confirmations = Enumerable.Range(0, 30).Select(async i =>
        {
            await start.WaitAsync();
            var response = await UntilNotContendedAsync(
                () => cluster.Client(i % ClusterFixture.Size).SendAsync(ClusterClient.Confirm(eventId, memberId, orderId, paymentId)), () => Interlocked.Increment(ref contention));
            return (Status: response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        start.Release(30);
        var results = await Task.WhenAll(confirmations);

        Assert.All(results, r => Assert.True(r.Status == HttpStatusCode.OK, $"{(int)r.Status} {r.Body}"));
        var bodies = results.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Single(bodies, b => !b.GetProperty("replayed").GetBoolean());
        Assert.All(bodies, b =>
        {
            Assert.Equal(registrationId, b.GetProperty("registration").GetProperty("id").GetString());
            Assert.Equal("paid", b.GetProperty("registration").GetProperty("status").GetString());
            Assert.Equal(paymentId, b.GetProperty("registration").GetProperty("paymentId").GetString());
        });

        // One registration, one payment, one journaled application and one registration.paid message, whatever node asks.
        // The registration row is the journal projection's, written shortly after the confirmation.
        Assert.True(await Poll.UntilAsync(async () =>
            await cluster.ScalarAsync("SELECT count(*) FROM registrations WHERE payment_id = $1", paymentId) == 1, TimeSpan.FromSeconds(10)),
            "one registration holds the payment");
        Assert.Equal(1, await cluster.ScalarAsync(
            $"SELECT count(*) FROM event_journal WHERE {JournalSql.ManifestIs("PaymentApplied")} AND persistence_id = $1", $"registration/{eventId}/{memberId}"));
        Assert.True(await Poll.UntilAsync(async () => await cluster.ScalarAsync(
            "SELECT count(*) FROM outbox WHERE type = 'registration.paid' AND data->>'id' = $1", registrationId) == 1, TimeSpan.FromSeconds(10)),
            "one registration.paid message (written by the journal projection)");
        for (var node = 0; node < ClusterFixture.Size; node++)
        {
            var paid = await (await cluster.Client(node).GetAsync($"/api/events/{eventId}/registrations?status=paid")).JsonAsync();
            Assert.Equal(registrationId, Assert.Single(paid.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
            // Other nodes' event reads may be cached for up to 5 s (the contract's bound).
            var node1 = node;
            Assert.True(await Poll.UntilAsync(async () =>
                (await (await cluster.Client(node1).GetAsync($"/api/events/{eventId}")).JsonAsync()).GetProperty("attendeeCount").GetInt64() == 1,
                TimeSpan.FromSeconds(6)), $"attendeeCount on {ClusterFixture.NodeName(node)}");
        }
        output.WriteLine($"30 confirmations through 3 nodes: 1 replayed=false, 29 replayed=true; {contention} answers 503 contention (resent);"
            + $" {await ConflictsAsync("registration")} registration append conflicts so far in the cluster");
    }

    [Fact]
    public async Task A_batch_of_100_consumed_300_times_through_three_nodes_at_once_is_never_oversold()
    {
        var batchId = await _client.CreateBatchAsync(0, 100);

        // One owner for the batch in the whole cluster: every node forwards to it, so no answer is a 503, none is resent.
        using var start = new SemaphoreSlim(0);
        var consumes = Enumerable.Range(0, 300).Select(async i =>
        {
            await start.WaitAsync();
            var response = await cluster.Client(i % ClusterFixture.Size).PostJsonAsync($"/api/batches/{batchId}/consume", new { quantity = 1 });
            return (Status: response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        start.Release(300);
        var results = await Task.WhenAll(consumes);

        var unexpected = results.Where(r => r.Status is not (HttpStatusCode.OK or HttpStatusCode.Conflict)).ToList();
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected answers, e.g. {unexpected.FirstOrDefault()}");
        var succeeded = results.Where(r => r.Status == HttpStatusCode.OK).Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        var refused = results.Where(r => r.Status == HttpStatusCode.Conflict).Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(100, succeeded.Count);
        Assert.Equal(200, refused.Count);
        Assert.All(refused, r => Assert.Equal("insufficient_quantity", r.GetProperty("code").GetString()));
        // Each unit went to exactly one consume: the remaining quantities and versions answered are all distinct.
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), succeeded.Select(s => s.GetProperty("remaining").GetInt64()).Order());
        Assert.Equal(Enumerable.Range(2, 100).Select(i => (long)i), succeeded.Select(s => s.GetProperty("version").GetInt64()).Order());

        for (var node = 0; node < ClusterFixture.Size; node++)
        {
            var batch = await (await cluster.Client(node).GetAsync($"/api/batches/{batchId}")).JsonAsync();
            Assert.Equal(0, batch.GetProperty("remaining").GetInt64());
            Assert.Equal(101, batch.GetProperty("version").GetInt64());
        }
        // The journal (events as UTF-8 JSON) holds exactly 100 units consumed and never a negative remainder.
        var consumed = $"FROM event_journal WHERE persistence_id = $1 AND {JournalSql.ManifestIs("BatchConsumed")}";
        Assert.Equal(100, await cluster.ScalarAsync(
            $"SELECT coalesce(sum((convert_from(message, 'UTF8')::jsonb->>'quantity')::bigint), 0) {consumed}", "batch/" + batchId));
        Assert.Equal(0, await cluster.ScalarAsync(
            $"SELECT count(*) {consumed} AND (convert_from(message, 'UTF8')::jsonb->>'remaining')::bigint < 0", "batch/" + batchId));
        Assert.True(await Poll.UntilAsync(async () => await cluster.ScalarAsync(
            "SELECT count(*) FROM outbox WHERE type = 'batch.depleted' AND entity_id = $1", "batch/" + batchId) == 1, TimeSpan.FromSeconds(10)),
            "one batch.depleted message");
        output.WriteLine("300 x 1 on a batch of 100 through 3 nodes: 100 consumed, 200 refused, no 503");
    }

    [Fact]
    public async Task A_batch_cached_on_one_node_decides_on_what_another_node_wrote()
    {
        var batchId = await _client.CreateBatchAsync(0, 10);
        Assert.Equal(HttpStatusCode.OK, (await Consume(0, batchId, 1)).StatusCode); // node-1 now holds the batch: 9 left

        var onB = await (await Consume(1, batchId, 5)).JsonAsync(); // node-2 takes 5 while node-1's copy sits idle
        Assert.Equal(4, onB.GetProperty("remaining").GetInt64());
        await Task.Delay(300);

        // A stale node-1 would believe 9 remain and accept 5.
        var tooMuch = await Consume(0, batchId, 5);
        Assert.Equal(HttpStatusCode.Conflict, tooMuch.StatusCode);
        Assert.Equal(4, (await tooMuch.JsonAsync()).GetProperty("remaining").GetInt64());
        var rest = await (await Consume(0, batchId, 4)).JsonAsync();
        Assert.Equal(0, rest.GetProperty("remaining").GetInt64());
        Assert.Equal(4, rest.GetProperty("version").GetInt64());

        // And the other way round, on node-3 which last saw the batch never.
        var empty = await Consume(2, batchId, 1);
        Assert.Equal(HttpStatusCode.Conflict, empty.StatusCode);
    }

    [Fact]
    public async Task An_idempotency_key_used_on_one_node_replays_on_another()
    {
        var batchId = await _client.CreateBatchAsync(0, 10);
        var key = Guid.NewGuid().ToString("N");
        var first = await cluster.Client(0).PostJsonAsync($"/api/batches/{batchId}/consume", new { quantity = 3 }, key);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var again = await cluster.Client(1).PostJsonAsync($"/api/batches/{batchId}/consume", new { quantity = 3 }, key);
        var other = await cluster.Client(2).PostJsonAsync($"/api/batches/{batchId}/consume", new { quantity = 4 }, key);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(7, (await again.JsonAsync()).GetProperty("remaining").GetInt64());
        Assert.Equal((HttpStatusCode)422, other.StatusCode);
        Assert.Equal(7, (await (await cluster.Client(2).GetAsync($"/api/batches/{batchId}")).JsonAsync()).GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task A_registration_cached_on_one_node_sees_a_payment_made_through_another()
    {
        var eventId = await _client.CreateEventAsync(0);
        var memberId = await _client.CreateMemberAsync(0, ClusterClient.NewPhone());
        var (orderId, registrationId) = await _client.PlaceOrderAsync(0, eventId, memberId); // node-1 holds it as pending

        var paymentId = PaymentScenario.NewPaymentId();
        var onB = await cluster.Client(1).SendAsync(ClusterClient.Confirm(eventId, memberId, orderId, paymentId));
        Assert.False((await onB.JsonAsync()).GetProperty("replayed").GetBoolean());
        await Task.Delay(300);

        // A stale node-1 would see a pending registration and take this second payment for it.
        var second = await cluster.Client(0).SendAsync(ClusterClient.Confirm(eventId, memberId, orderId, PaymentScenario.NewPaymentId()));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("already_paid", (await second.JsonAsync()).GetProperty("code").GetString());
        var replay = await cluster.Client(0).SendAsync(ClusterClient.Confirm(eventId, memberId, orderId, paymentId));
        Assert.True((await replay.JsonAsync()).GetProperty("replayed").GetBoolean());

        // An order for it through node-3, which never saw it, is refused too.
        var order = await cluster.Client(2).PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });
        Assert.Equal(HttpStatusCode.Conflict, order.StatusCode);
        var registration = await (await cluster.Client(0).GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
        Assert.Equal(paymentId, registration.GetProperty("paymentId").GetString());
    }

    /// <summary>
    /// Sends until the answer is not 503 contention. Contention says the command lost every append race to the other
    /// nodes (likelier the busier the machine) and applied nothing, so a client resends it as it is; every other answer is
    /// the one the test judges. Gives up after 100 contended answers, returning the last.
    /// </summary>
    private static async Task<HttpResponseMessage> UntilNotContendedAsync(Func<Task<HttpResponseMessage>> send, Action contended)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await send();
            if (attempt == 100 || !await ClusterClient.IsContentionAsync(response))
            {
                return response;
            }
            contended();
            await Task.Delay(50);
        }
    }

    private Task<HttpResponseMessage> Consume(int node, string batchId, long quantity) =>
        cluster.Client(node).PostJsonAsync($"/api/batches/{batchId}/consume", new { quantity });

    /// <summary>Append conflicts of an entity type summed over the nodes up, from their /metrics.</summary>
    private async Task<long> ConflictsAsync(string entity)
    {
        long total = 0;
        for (var node = 0; node < ClusterFixture.Size; node++)
        {
            if (cluster.IsUp(node))
            {
                total += ClusterMetrics.Sum(await cluster.Client(node).GetStringAsync("/metrics"), "pipeline_entity_conflicts_total", "entity", entity);
            }
        }
        return total;
    }
}
