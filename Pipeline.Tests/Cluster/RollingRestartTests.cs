using System.Collections.Concurrent;
using System.Net;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// A rolling restart: a node stopped with SIGTERM under load claims nothing more, finishes what it can within
/// <c>Pipeline:Pipelines:DrainTimeout</c>, hands back the rest and leaves the cluster, so no lease is left to expire and
/// the survivors go on at once. A WhatsApp send under way is never cut (WhatsApp may already have it): it finishes within
/// its attempt timeout and is settled, so every ticket is sent exactly once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RollingRestartTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Stopped = 1; // node-2
    private const int Registrations = 30;

    /// <summary>What a stopping host needs besides the drain: the server's and the other services' stops, the process exit.</summary>
    private static readonly TimeSpan StopSlack = TimeSpan.FromSeconds(3);

    /// <summary>The fake Graph API's delay per call; a ticket is two calls (upload, message).</summary>
    private static readonly TimeSpan SendLatency = TimeSpan.FromSeconds(1.5);

    private readonly ClusterClient _client = new(cluster);

    public Task InitializeAsync() => cluster.EnsureAllUpAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_node_stopped_with_SIGTERM_under_load_exits_within_the_drain_timeout_and_leaves_no_lease()
    {
        var hook = "drain-" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = await _client.CreateAsync(0, "/api/webhook-endpoints", new { url = cluster.Receiver.UrlFor(hook), events = new[] { "registration.paid", "ticket.sent" } });
        var endpointId = endpoint.GetProperty("id").GetString()!;
        cluster.Receiver.Slow(hook, TimeSpan.FromMilliseconds(800)); // deliveries in flight during the drain
        var startPosition = await cluster.ScalarAsync("SELECT coalesce(max(position), 0) FROM outbox");

        var eventId = await _client.CreateEventAsync(0);
        var buyers = new List<(string Phone, string MemberId, string OrderId, string RegistrationId)>();
        for (var i = 0; i < Registrations; i++)
        {
            var phone = ClusterClient.NewPhone();
            var memberId = await _client.CreateMemberAsync(i % ClusterFixture.Size, phone);
            var (orderId, registrationId) = await _client.PlaceOrderAsync(i % ClusterFixture.Size, eventId, memberId);
            buyers.Add((phone, memberId, orderId, registrationId));
        }
        var batchId = await _client.CreateBatchAsync(0, 1_000_000);
        foreach (var graph in cluster.Graphs)
        {
            graph.Latency = SendLatency; // a ticket takes 3 s to send, longer than the drain: node-2's last sends outlast it
        }

        // Consumes keep coming through every node during the whole stop.
        using var stopLoad = new CancellationTokenSource();
        var acknowledged = new ConcurrentDictionary<string, long>();
        var unexpected = new ConcurrentBag<string>();
        var consumers = Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var turn = worker; !stopLoad.IsCancellationRequested; turn++)
            {
                var key = Guid.NewGuid().ToString("N");
                var (response, _) = await _client.SendAsync(turn, () => ClusterClient.Consume(batchId, 1, key));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged[key] = 1;
                }
                else if (await ClusterClient.IsContentionAsync(response))
                {
                    continue; // nothing applied; this key is simply not acknowledged
                }
                else
                {
                    unexpected.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                await Task.Delay(10);
            }
        })));
        for (var i = 0; i < buyers.Count; i++)
        {
            var (_, memberId, orderId, _) = buyers[i];
            var (confirmed, _) = await _client.SendAsync(i, () => ClusterClient.Confirm(eventId, memberId, orderId, PaymentScenario.NewPaymentId()));
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        }
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(cluster.Graphs[Stopped].Requests >= 2), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20)),
            "node-2 is sending tickets");
        var stoppedName = ClusterFixture.NodeName(Stopped);
        var inFlightAtStop = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE state = 'pending' AND lease_owner = $1", stoppedName);

        var took = await cluster.TerminateAsync(Stopped, TimeSpan.FromSeconds(30));

        // Straight after the exit: nothing of node-2's is leased any more, not even a lease that has yet to expire.
        var leftLeased = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE state = 'pending' AND lease_owner = $1", stoppedName);
        var leftLive = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE leased_until > now() AND lease_owner = $1", stoppedName);
        var view = await (await cluster.Client(0).GetAsync("/api/admin/cluster")).JsonAsync();
        var node2 = view.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == stoppedName);
        // A send started just before the drain's end still finishes: the bound is the drain plus one send.
        Assert.True(took <= ClusterFixture.DrainTimeout + 2 * SendLatency + StopSlack,
            $"{stoppedName} took {took.TotalSeconds:0.00} s to exit (drain timeout {ClusterFixture.DrainTimeout.TotalSeconds} s + a 3 s send + {StopSlack.TotalSeconds} s)");
        Assert.Equal(0, leftLeased);
        Assert.Equal(0, leftLive);
        Assert.Equal("gone", node2.GetProperty("status").GetString()); // it left: gone at once, not after GoneAfter
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, node2.GetProperty("stoppedAt").ValueKind);

        await stopLoad.CancelAsync();
        await consumers;
        foreach (var graph in cluster.Graphs)
        {
            graph.Latency = TimeSpan.Zero;
        }

        // The survivors finish the rest: every ticket sent once, every message delivered, every acknowledged consume kept.
        Assert.True(await Poll.UntilAsync(async () => await cluster.ScalarAsync(
            "SELECT count(*) FROM registrations WHERE event_id = $1 AND ticket_status <> 'sent'", eventId) == 0, TimeSpan.FromSeconds(60)),
            "every ticket sent");
        Assert.True(await Poll.UntilAsync(async () => await cluster.ScalarAsync(
            """
            SELECT count(*) FROM work_items w JOIN outbox o ON o.id = w.message_id
             WHERE o.position > $1 AND w.state <> 'done' AND (w.queue <> 'deliveries' OR w.target = $2)
            """, startPosition, endpointId) == 0, TimeSpan.FromSeconds(60)), "all work done");
        Assert.True(unexpected.IsEmpty, "unexpected consume answers: " + string.Join("; ", unexpected.Take(5)));
        // Exactly one WhatsApp message per ticket: node-2 finished every send it had started, and handed back the rest
        // before calling WhatsApp.
        var copies = new List<int>();
        foreach (var (phone, _, _, registrationId) in buyers)
        {
            var to = phone.TrimStart('+');
            var byStopped = cluster.Graphs[Stopped].Messages.Where(m => m.To == to).ToList();
            var bySurvivors = cluster.Graphs.Where((_, i) => i != Stopped).Sum(g => g.MessagesTo(to));
            copies.Add(byStopped.Count + bySurvivors);
            Assert.True(byStopped.Count + bySurvivors == 1,
                $"{registrationId}: {byStopped.Count} copies from {stoppedName}, {bySurvivors} from the survivors");
        }
        var receipts = cluster.Receiver.For(hook);
        var expected = await cluster.ScalarAsync(
            "SELECT count(*) FROM outbox WHERE position > $1 AND type IN ('registration.paid', 'ticket.sent')", startPosition);
        Assert.Equal(expected, receipts.Where(r => r.AnsweredStatus == 200).Select(r => r.WebhookId).Distinct().Count());
        var journaled = await cluster.ScalarAsync(
            "SELECT coalesce(sum((payload->>'quantity')::bigint), 0) FROM journal WHERE entity_id = $1 AND type = 'BatchConsumed'", "batch/" + batchId);
        Assert.Equal(acknowledged.Count, journaled);

        output.WriteLine($"{stoppedName} held {inFlightAtStop} leased items at SIGTERM and exited after {took.TotalSeconds:0.00} s"
            + $" (DrainTimeout {ClusterFixture.DrainTimeout.TotalSeconds} s); {leftLeased} leases left behind");
        output.WriteLine($"tickets: {copies.Sum()} WhatsApp messages for {Registrations} registrations ({buyers.Sum(b => cluster.Graphs[Stopped].MessagesTo(b.Phone.TrimStart('+')))} from {stoppedName});"
            + $" webhooks: {receipts.Count} requests for {expected} messages; consumes: {acknowledged.Count} acknowledged, {_client.Failovers} requests resent");

        await _client.SendAsync(0, () => new HttpRequestMessage(HttpMethod.Delete, $"/api/webhook-endpoints/{endpointId}"));
    }

    /// <summary>
    /// Deliveries a node claimed that still wait in its throttle when the drain time is up never started an attempt:
    /// the webhooks graph hands them back with the ones whose attempts it interrupted, so none keeps its lease
    /// (DeliveryLease) after the node is gone.
    /// </summary>
    [Fact]
    public async Task A_node_stopped_with_deliveries_waiting_in_its_throttle_hands_them_back()
    {
        var hook = "throttled-" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = await _client.CreateAsync(0, "/api/webhook-endpoints", new { url = cluster.Receiver.UrlFor(hook), events = new[] { "batch.depleted" } });
        var endpointId = endpoint.GetProperty("id").GetString()!;
        // node-2 starts one attempt a second: what it claims (up to its lane's room) waits in its throttle.
        var slow = await cluster.Client(Stopped).PutAsync("/api/admin/pipelines/webhooks",
            System.Net.Http.Json.JsonContent.Create(new { ratePerSecond = 1 }));
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        for (var i = 0; i < 40; i++)
        {
            var batchId = await _client.CreateBatchAsync(i % ClusterFixture.Size, 1);
            var (consumed, _) = await _client.SendAsync(i, () => ClusterClient.Consume(batchId, 1, Guid.NewGuid().ToString("N")));
            Assert.Equal(HttpStatusCode.OK, consumed.StatusCode);
        }
        var stoppedName = ClusterFixture.NodeName(Stopped);
        Assert.True(await Poll.UntilAsync(async () => await cluster.ScalarAsync(
                "SELECT count(*) FROM work_items WHERE queue = 'deliveries' AND state = 'pending' AND lease_owner = $1", stoppedName) >= 3,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20)), "node-2 holds deliveries");

        var took = await cluster.TerminateAsync(Stopped, TimeSpan.FromSeconds(30));

        var left = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE leased_until > now() AND lease_owner = $1", stoppedName);
        output.WriteLine($"{stoppedName} exited after {took.TotalSeconds:0.00} s and left {left} deliveries leased");
        Assert.Equal(0, left);
        await _client.SendAsync(0, () => new HttpRequestMessage(HttpMethod.Delete, $"/api/webhook-endpoints/{endpointId}"));
    }
}
