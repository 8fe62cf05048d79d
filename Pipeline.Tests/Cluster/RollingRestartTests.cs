using System.Collections.Concurrent;
using System.Net;
using Pipeline.Tests.Fakes;
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

    /// <summary>
    /// What a stopping host needs besides the drain and a send under way: the server's and the other services' stops,
    /// handing back, leaving the cluster and the process exit, on a two-core machine that other work keeps busy.
    /// </summary>
    private static readonly TimeSpan StopSlack = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a graceful stop may take, from the configuration: the drain, then a WhatsApp send started just
    /// before the drain's end, which is never cut and ends within its attempt timeout, then the rest of the stop.
    /// </summary>
    private static readonly TimeSpan StopBound = ClusterFixture.DrainTimeout + ClusterFixture.WhatsAppAttemptTimeout + StopSlack;

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
            graph.Latency = SendLatency; // a ticket takes 3 s to send, longer than the drain: node-2's sends outlast it
        }
        // node-2 renders the tickets it claims but sends none until all are paid: they wait in its whatsapp buffer.
        await cluster.SetPipelineAsync(Stopped, "whatsapp", new { paused = true });

        // Consumes keep coming through every node during the whole stop.
        using var stopLoad = new CancellationTokenSource();
        var load = new ConsumeLoad();
        var consumers = Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() => ConsumeUntilStoppedAsync(worker, batchId, load, stopLoad.Token))));
        for (var i = 0; i < buyers.Count; i++)
        {
            var (_, memberId, orderId, _) = buyers[i];
            var (confirmed, _) = await _client.SendAsync(i, () => ClusterClient.Confirm(eventId, memberId, orderId, PaymentScenario.NewPaymentId()));
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        }
        // Then node-2 sends, and its WhatsApp calls wait at its fake Graph API until the signal: when it is stopped it
        // certainly has sends under way (their tickets leased), which the drain must let finish, and tickets waiting
        // behind them, which it must hand back.
        cluster.Graphs[Stopped].Hold(HoldPoint.BeforeAccepting);
        await cluster.SetPipelineAsync(Stopped, "whatsapp", new { paused = false });
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(cluster.Graphs[Stopped].Holding >= 1), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(20)),
            "node-2 is sending a ticket");
        var stoppedName = ClusterFixture.NodeName(Stopped);
        var inFlightAtStop = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE state = 'pending' AND lease_owner = $1", stoppedName);
        Assert.True(inFlightAtStop >= 1, $"{stoppedName} holds the tickets it is sending");

        var sendsUnderWay = 0;
        var took = await cluster.TerminateAsync(Stopped, StopBound + TimeSpan.FromSeconds(30), signaled: () =>
        {
            sendsUnderWay = cluster.Graphs[Stopped].Holding;
            cluster.Graphs[Stopped].Release();
        });

        // Straight after the exit: nothing of node-2's is leased any more, not even a lease that has yet to expire.
        var leftLeased = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE state = 'pending' AND lease_owner = $1", stoppedName);
        var leftLive = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE leased_until > now() AND lease_owner = $1", stoppedName);
        var view = await (await cluster.Client(0).GetAsync("/api/admin/cluster")).JsonAsync();
        var node2 = view.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == stoppedName);
        Assert.True(sendsUnderWay >= 1, $"{stoppedName} had no WhatsApp call under way at the signal");
        Assert.True(took <= StopBound,
            $"{stoppedName} took {took.TotalSeconds:0.00} s to exit (drain timeout {ClusterFixture.DrainTimeout.TotalSeconds} s"
            + $" + WhatsApp attempt timeout {ClusterFixture.WhatsAppAttemptTimeout.TotalSeconds} s + {StopSlack.TotalSeconds} s)");
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
        Assert.True(await cluster.WaitUntilQuietAsync(TimeSpan.FromSeconds(30)), "nothing more in flight anywhere");
        Assert.True(load.Unexpected.IsEmpty, "unexpected consume answers: " + string.Join("; ", load.Unexpected.Take(5)));
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
            $"SELECT coalesce(sum((convert_from(message, 'UTF8')::jsonb->>'quantity')::bigint), 0) FROM event_journal WHERE persistence_id = $1 AND {JournalSql.ManifestIs("BatchConsumed")}", "batch/" + batchId);
        Assert.Equal(load.Acknowledged.Count, journaled);

        output.WriteLine($"{stoppedName} held {inFlightAtStop} leased items at SIGTERM with {sendsUnderWay} WhatsApp calls under way, and exited after"
            + $" {took.TotalSeconds:0.00} s (bound {StopBound.TotalSeconds} s); {leftLeased} leases left behind");
        output.WriteLine($"tickets: {copies.Sum()} WhatsApp messages for {Registrations} registrations ({buyers.Sum(b => cluster.Graphs[Stopped].MessagesTo(b.Phone.TrimStart('+')))} from {stoppedName});"
            + $" webhooks: {receipts.Count} requests for {expected} messages; consumes: {load.Acknowledged.Count} acknowledged ({load.Replayed} as replays),"
            + $" {load.Contention} answers 503 contention (resent with the same key), {load.Unavailable} answers 503 unavailable (resent), {_client.Failovers} requests resent to another node");

        await _client.SendAsync(0, () => new HttpRequestMessage(HttpMethod.Delete, $"/api/webhook-endpoints/{endpointId}"));
    }

    /// <summary>
    /// A rolling restart of the whole cluster: each of the three nodes stopped with SIGTERM and started again in turn,
    /// under confirmations and consumes through every node the whole time. Every request is answered (a 503 unavailable
    /// while shards move, resent as the contract allows, is counted), every paid registration gets exactly one WhatsApp
    /// message, and every acknowledged consume is in the journal.
    /// </summary>
    [Fact]
    public async Task Restarting_each_of_three_nodes_in_turn_under_load_answers_every_request_and_sends_every_ticket_once()
    {
        const int buyersCount = 45;
        var eventId = await _client.CreateEventAsync(0);
        var buyers = new List<(string Phone, string MemberId, string OrderId, string RegistrationId)>();
        for (var i = 0; i < buyersCount; i++)
        {
            var phone = ClusterClient.NewPhone();
            var memberId = await _client.CreateMemberAsync(i % ClusterFixture.Size, phone);
            var (orderId, registrationId) = await _client.PlaceOrderAsync(i % ClusterFixture.Size, eventId, memberId);
            buyers.Add((phone, memberId, orderId, registrationId));
        }
        var batchId = await _client.CreateBatchAsync(0, 1_000_000);

        using var stopLoad = new CancellationTokenSource();
        var load = new ConsumeLoad();
        var consumers = Task.WhenAll(Enumerable.Range(0, 3).Select(worker => Task.Run(() => ConsumeUntilStoppedAsync(worker, batchId, load, stopLoad.Token))));
        var restartsDone = new TaskCompletionSource();
        var confirmUnavailable = 0;
        var confirmUnexpected = new ConcurrentBag<string>();
        var confirmations = Task.Run(async () =>
        {
            for (var i = 0; i < buyers.Count; i++)
            {
                var (_, memberId, orderId, registrationId) = buyers[i];
                var paymentId = PaymentScenario.NewPaymentId();
                for (var resent = 0; ; resent++)
                {
                    var (response, _) = await _client.SendAsync(i + resent, () => ClusterClient.Confirm(eventId, memberId, orderId, paymentId));
                    if (await ClusterClient.IsUnavailableAsync(response) && resent < 100)
                    {
                        Interlocked.Increment(ref confirmUnavailable);
                        await Task.Delay(100);
                        continue;
                    }
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        confirmUnexpected.Add($"{registrationId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                    break;
                }
                // Spread over the restarts; once they are done, the rest at once.
                if (!restartsDone.Task.IsCompleted)
                {
                    await Task.Delay(700);
                }
            }
        });

        var restarts = new List<string>();
        for (var node = 0; node < ClusterFixture.Size; node++)
        {
            var name = ClusterFixture.NodeName(node);
            var took = await cluster.TerminateAsync(node, StopBound + TimeSpan.FromSeconds(30));
            Assert.True(took <= StopBound, $"{name} took {took.TotalSeconds:0.00} s to exit (bound {StopBound.TotalSeconds} s)");
            var starting = System.Diagnostics.Stopwatch.StartNew();
            await cluster.EnsureAllUpAsync();
            restarts.Add($"{name} stopped in {took.TotalSeconds:0.0} s and served again {starting.Elapsed.TotalSeconds:0.0} s later");
        }
        restartsDone.SetResult();
        await confirmations;
        await stopLoad.CancelAsync();
        await consumers;

        Assert.True(confirmUnexpected.IsEmpty, "unexpected confirmation answers: " + string.Join("; ", confirmUnexpected.Take(5)));
        Assert.True(load.Unexpected.IsEmpty, "unexpected consume answers: " + string.Join("; ", load.Unexpected.Take(5)));
        Assert.True(await Poll.UntilAsync(async () => await cluster.ScalarAsync(
            "SELECT count(*) FROM registrations WHERE event_id = $1 AND (status <> 'paid' OR ticket_status <> 'sent')", eventId) == 0, TimeSpan.FromSeconds(60)),
            "every registration paid and its ticket sent");
        Assert.True(await cluster.WaitUntilQuietAsync(TimeSpan.FromSeconds(30)), "nothing more in flight anywhere");
        foreach (var (phone, _, _, registrationId) in buyers)
        {
            var copies = cluster.Graphs.Sum(g => g.MessagesTo(phone.TrimStart('+')));
            Assert.True(copies == 1, $"{registrationId}: {copies} WhatsApp messages");
        }
        Assert.Equal(0, await cluster.ScalarAsync(
            $"SELECT count(*) FROM (SELECT persistence_id FROM event_journal WHERE {JournalSql.ManifestIs("PaymentApplied")} GROUP BY persistence_id HAVING count(*) > 1) twice"));
        var journaled = await cluster.ScalarAsync(
            $"SELECT coalesce(sum((convert_from(message, 'UTF8')::jsonb->>'quantity')::bigint), 0) FROM event_journal WHERE persistence_id = $1 AND {JournalSql.ManifestIs("BatchConsumed")}", "batch/" + batchId);
        Assert.Equal(load.Acknowledged.Count, journaled);

        foreach (var restart in restarts)
        {
            output.WriteLine(restart);
        }
        output.WriteLine($"confirmations: {buyersCount}, {confirmUnavailable} answers 503 unavailable (resent); consumes: {load.Acknowledged.Count} acknowledged"
            + $" ({load.Replayed} as replays), {load.Unavailable} answers 503 unavailable (resent); {_client.Failovers} requests resent to another node");
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
        var stoppedName = ClusterFixture.NodeName(Stopped);
        // Only node-2 claims webhook work until it is stopped: the other nodes' webhooks pipelines are paused before any
        // of this test's messages exist, so what node-2 holds does not depend on who wins a claim. It fans out and claims
        // only its work partitions (a third of them), so the test makes enough messages for its lane to fill.
        foreach (var other in Enumerable.Range(0, ClusterFixture.Size).Where(i => i != Stopped))
        {
            await cluster.SetPipelineAsync(other, "webhooks", new { paused = true });
        }
        // One attempt per 100 s (the throttle's bucket starts empty): every delivery node-2 claims waits in its throttle
        // for longer than this test takes.
        await cluster.SetPipelineAsync(Stopped, "webhooks", new { ratePerSecond = 0.01 });
        // node-2 fans out about a third of the messages and claims about a third of those deliveries: some 13 of 120,
        // more than its lane for the endpoint has room for.
        const int messages = 120;
        for (var i = 0; i < messages; i++)
        {
            var batchId = await _client.CreateBatchAsync(i % ClusterFixture.Size, 1);
            var (consumed, _) = await _client.SendAsync(i, () => ClusterClient.Consume(batchId, 1, Guid.NewGuid().ToString("N")));
            Assert.Equal(HttpStatusCode.OK, consumed.StatusCode);
        }
        // node-2 fans its messages out and claims its deliveries as they come, and they wait: one taken by the throttle,
        // one queued for it, and the rest of a claim behind those; then its claim loop waits too, so once all four exist
        // it holds at least three (all four if they came in fewer claims). Held whether or not a lease has run out
        // meanwhile: a delivery's lease is not renewed while it waits (its attempt checks the lease first), and on a
        // busy machine the set-up can outlast one; nobody can take one over, as the others are paused.
        const int waiting = 3;
        Assert.True(await Poll.UntilAsync(async () =>
            {
                var held = await cluster.ScalarAsync(
                    "SELECT count(*) FROM work_items WHERE queue = 'deliveries' AND target = $1 AND state = 'pending' AND lease_owner = $2",
                    endpointId, stoppedName);
                return held >= waiting;
            },
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(20)), $"{stoppedName} holds {waiting} deliveries: " + await DeliveryStatesAsync(endpointId));
        var heldAtStop = await cluster.QueryAsync(
            "SELECT id FROM work_items WHERE queue = 'deliveries' AND target = $1 AND state = 'pending' AND lease_owner = $2",
            r => r.GetInt64(0), endpointId, stoppedName);

        var took = await cluster.TerminateAsync(Stopped, StopBound + TimeSpan.FromSeconds(30));

        // Straight after the exit, while the others are still paused (nobody else can have touched them): none of
        // node-2's leases is left, and every delivery it held is in the queue unleased (handed back, its lease cleared,
        // not merely run out), with no attempt counted and none made; so is every other delivery (never claimed).
        var left = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE leased_until > now() AND lease_owner = $1", stoppedName);
        var all = await cluster.ScalarAsync("SELECT count(*) FROM work_items WHERE queue = 'deliveries' AND target = $1", endpointId);
        var unleased = await cluster.QueryAsync(
            """
            SELECT id FROM work_items
             WHERE queue = 'deliveries' AND target = $1 AND state = 'pending' AND leased_until IS NULL AND lease_owner IS NULL AND attempts = 0
            """, r => r.GetInt64(0), endpointId);
        output.WriteLine($"{stoppedName} held {heldAtStop.Count} deliveries waiting in its throttle, exited after {took.TotalSeconds:0.00} s"
            + $" and left {left} leased; {unleased.Count} of {all} deliveries back in the queue");
        Assert.Equal(0, left);
        Assert.Subset(unleased.ToHashSet(), heldAtStop.ToHashSet());
        Assert.True(unleased.Count == all, $"{unleased.Count} of {all} back in the queue: " + await DeliveryStatesAsync(endpointId));
        Assert.Empty(cluster.Receiver.For(hook));
        Assert.True(took <= StopBound, $"{stoppedName} took {took.TotalSeconds:0.00} s to exit (bound {StopBound.TotalSeconds} s)");

        // The others take them at once (no lease to wait for) and deliver them.
        foreach (var other in Enumerable.Range(0, ClusterFixture.Size).Where(i => i != Stopped))
        {
            await cluster.SetPipelineAsync(other, "webhooks", new { paused = false });
        }
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(
                cluster.Receiver.For(hook).Where(r => r.AnsweredStatus == 200).Select(r => r.WebhookId).Distinct().Count() == messages),
            TimeSpan.FromSeconds(60)), "the survivors deliver what node-2 handed back, and the rest");
        await _client.SendAsync(0, () => new HttpRequestMessage(HttpMethod.Delete, $"/api/webhook-endpoints/{endpointId}"));
    }

    private async Task<string> DeliveryStatesAsync(string endpointId) => string.Join("; ", await cluster.QueryAsync(
        """
        SELECT state || ' ' || coalesce(lease_owner, '-') || ' attempts ' || attempts
               || CASE WHEN leased_until IS NULL THEN '' WHEN leased_until > now() THEN ' leased' ELSE ' lease run out' END
          FROM work_items WHERE queue = 'deliveries' AND target = $1
        """, r => r.GetString(0), endpointId));

    /// <summary>
    /// One consumer of the load: a consume of 1 with a fresh Idempotency-Key, resent with the same key until it has a
    /// definite answer. A 503 contention says only that this request applied nothing: when it is a resend (failover), an
    /// earlier send may have applied, and only the same key can tell (it replays). So every key ends acknowledged once
    /// or is never applied, and the journal's sum equals the acknowledged count exactly.
    /// </summary>
    private async Task ConsumeUntilStoppedAsync(int worker, string batchId, ConsumeLoad load, CancellationToken stop)
    {
        for (var turn = worker; !stop.IsCancellationRequested;)
        {
            var key = Guid.NewGuid().ToString("N");
            while (true)
            {
                var (response, _) = await _client.SendAsync(turn++, () => ClusterClient.Consume(batchId, 1, key));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    load.Acknowledged[key] = 1;
                    if (response.Headers.Contains("Idempotent-Replayed"))
                    {
                        Interlocked.Increment(ref load.Replayed);
                    }
                    break;
                }
                if (await ClusterClient.IsContentionAsync(response))
                {
                    Interlocked.Increment(ref load.Contention);
                    await Task.Delay(50);
                    continue;
                }
                // The stopping node's shards are being handed off: nothing applied; the contract allows resending.
                if (await ClusterClient.IsUnavailableAsync(response))
                {
                    Interlocked.Increment(ref load.Unavailable);
                    await Task.Delay(50);
                    continue;
                }
                // The test fails on any of these: the key's outcome is open.
                load.Unexpected.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                break;
            }
            await Task.Delay(10);
        }
    }

    private sealed class ConsumeLoad
    {
        /// <summary>Consumes answered 200 (first time or replayed), by Idempotency-Key.</summary>
        public ConcurrentDictionary<string, long> Acknowledged { get; } = new();

        public ConcurrentBag<string> Unexpected { get; } = [];

        public int Replayed;

        public int Contention;

        public int Unavailable;
    }
}
