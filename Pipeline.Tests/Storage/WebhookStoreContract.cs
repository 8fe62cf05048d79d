using Pipeline.Actors.Outbox;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Storage;

public sealed class SqliteWebhookStoreTests() : WebhookStoreContract(new SqliteTestDatabase());

public sealed class PostgresWebhookStoreTests() : WebhookStoreContract(new PostgresTestDatabase());

/// <summary>
/// What every webhook store must do: endpoints that stay deleted, deliveries that die with their endpoint, and above
/// all a claim that gives each endpoint at most its lane's room, so one endpoint's backlog never stands in front of
/// another's. Each test has a database of its own (the claim reads the one deliveries queue).
/// </summary>
public abstract class WebhookStoreContract(TestDatabase database) : StorageContract(database)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);

    /// <summary>A lease the test means to run out, and waits out by asking the storage (its clock is the database's on PostgreSQL).</summary>
    private static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(200);
    private static readonly IReadOnlyDictionary<string, int> NoLimits = new Dictionary<string, int>();
    private int _messages;

    /// <summary>A type no endpoint here takes: storing such a message adds no delivery, so a test adds the ones it wants.</summary>
    private const string DirectType = "test.direct";

    private IWebhookStore Webhooks => Storage.Webhooks;

    [Fact]
    public async Task Endpoints_are_read_listed_in_creation_order_and_paged_and_a_deleted_one_is_gone_from_both()
    {
        var a = await AddEndpointAsync("ep_a", "batch.depleted", "ticket.sent");
        var b = await AddEndpointAsync("ep_b", "registration.paid");
        var c = await AddEndpointAsync("ep_c", "batch.depleted");

        Assert.Equal(Shape(a), Shape((await Webhooks.GetAsync("ep_a"))!));
        var first = await Webhooks.ListAsync(0, 2);
        var second = await Webhooks.ListAsync(first[^1].Position, 2);
        Assert.Equal([Shape(a), Shape(b), Shape(c)], first.Concat(second).Select(r => Shape(r.Endpoint)));

        Assert.True(await Webhooks.DeleteAsync("ep_b"));
        Assert.False(await Webhooks.DeleteAsync("ep_b"));
        Assert.False(await Webhooks.DeleteAsync("ep_nope"));
        Assert.Null(await Webhooks.GetAsync("ep_b"));
        Assert.Equal([Shape(a), Shape(c)], (await Webhooks.ListAsync(0, 10)).Select(r => Shape(r.Endpoint)));
    }

    [Fact]
    public async Task Storing_a_message_adds_one_delivery_per_live_subscribed_endpoint_and_storing_it_again_adds_nothing()
    {
        await AddEndpointAsync("ep_a", "batch.depleted", "ticket.sent");
        await AddEndpointAsync("ep_b", "registration.paid", "batch.depleted");
        await AddEndpointAsync("ep_c", "batch.depleted");
        await AddEndpointAsync("ep_d", "registration.checked_in");
        await Webhooks.DeleteAsync("ep_c");

        var messages = await WriteMessagesAsync(("batch.depleted", 2), ("registration.paid", 1), ("ticket.delivery_failed", 1));
        // The same ids again, all as a type ep_a and ep_b take: a repeat that fanned out again would add deliveries.
        await Storage.SeedAsync([], messages.Select(id => new OutboxMessage(id, "batch.depleted", "entity_1", "{}", T0)).ToList());

        Assert.Equal(messages[..2].Reverse(), (await Webhooks.ListDeliveriesAsync("ep_a", null, long.MaxValue, 10)).Select(d => d.MessageId));
        Assert.Equal(messages[..3].Reverse(), (await Webhooks.ListDeliveriesAsync("ep_b", null, long.MaxValue, 10)).Select(d => d.MessageId));
        Assert.Empty(await Webhooks.ListDeliveriesAsync("ep_c", null, long.MaxValue, 10));
        Assert.Empty(await Webhooks.ListDeliveriesAsync("ep_d", null, long.MaxValue, 10));
        Assert.Empty(await Storage.Work.ListAsync(OutboxRoutes.Webhooks, null, null, long.MaxValue, 10));
    }

    [Fact]
    public async Task A_fan_out_of_items_an_earlier_version_left_adds_one_delivery_per_live_subscribed_endpoint_completes_them_and_repeated_adds_nothing()
    {
        var messages = await WriteMessagesAsync(("batch.depleted", 2), ("registration.paid", 1), ("ticket.delivery_failed", 1));
        await LeaveFanOutItemsAsync(messages);
        await AddEndpointAsync("ep_a", "batch.depleted", "ticket.sent");
        await AddEndpointAsync("ep_b", "registration.paid", "batch.depleted");
        await AddEndpointAsync("ep_c", "batch.depleted");
        await AddEndpointAsync("ep_d", "registration.checked_in");
        await Webhooks.DeleteAsync("ep_c");
        var items = await Storage.Work.ClaimAsync(OutboxRoutes.Webhooks, "node-a", 10, LongLease);
        Assert.Equal(4, items.Count);

        Assert.Equal(5, await Webhooks.FanOutAsync(items));

        Assert.Equal(messages[..2].Reverse(), (await Webhooks.ListDeliveriesAsync("ep_a", null, long.MaxValue, 10)).Select(d => d.MessageId));
        Assert.Equal(messages[..3].Reverse(), (await Webhooks.ListDeliveriesAsync("ep_b", null, long.MaxValue, 10)).Select(d => d.MessageId));
        Assert.Empty(await Webhooks.ListDeliveriesAsync("ep_c", null, long.MaxValue, 10));
        Assert.Empty(await Webhooks.ListDeliveriesAsync("ep_d", null, long.MaxValue, 10));
        Assert.All(await Storage.Work.ListAsync(OutboxRoutes.Webhooks, null, null, long.MaxValue, 10), i => Assert.Equal("done", i.State));
        Assert.Equal(0, await Webhooks.FanOutAsync(items));
        Assert.Equal(0, await Webhooks.FanOutAsync([]));
    }

    [Fact]
    public async Task A_fan_out_whose_lease_was_lost_still_adds_its_deliveries_once_but_completes_nothing()
    {
        await LeaveFanOutItemsAsync(await WriteMessagesAsync(("batch.depleted", 1)));
        await AddEndpointAsync("ep_a", "batch.depleted");
        var first = Assert.Single(await Storage.Work.ClaimAsync(OutboxRoutes.Webhooks, "node-a", 10, ShortLease));
        await LeaseEndedAsync(OutboxRoutes.Webhooks, first.Id);
        var second = Assert.Single(await Storage.Work.ClaimAsync(OutboxRoutes.Webhooks, "node-b", 10, LongLease));

        Assert.Equal(1, await Webhooks.FanOutAsync([first]));
        Assert.Equal("pending", Assert.Single(await Storage.Work.ListAsync(OutboxRoutes.Webhooks, null, null, long.MaxValue, 10)).State);
        Assert.Equal(0, await Webhooks.FanOutAsync([second]));
        Assert.Equal("done", Assert.Single(await Storage.Work.ListAsync(OutboxRoutes.Webhooks, null, null, long.MaxValue, 10)).State);
        Assert.Single(await Webhooks.ListDeliveriesAsync("ep_a", null, long.MaxValue, 10));
    }

    [Fact]
    public async Task A_claim_gives_each_endpoint_at_most_its_lane_oldest_due_first_whatever_the_others_backlog()
    {
        await AddEndpointAsync("ep_busy", "batch.depleted");
        await AddEndpointAsync("ep_quiet", "batch.depleted");
        // The busy endpoint's 20 deliveries are all older than the quiet one's 2.
        await DeliverAsync("ep_busy", 20);
        await DeliverAsync("ep_quiet", 2);

        var claimed = await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, defaultLaneLimit: 3, limit: 100, LongLease);

        Assert.Equal(3, claimed.Count(c => c.Item.Target == "ep_busy"));
        Assert.Equal(2, claimed.Count(c => c.Item.Target == "ep_quiet"));
        var busy = claimed.Where(c => c.Item.Target == "ep_busy").Select(c => c.Item.Id).ToList();
        Assert.Equal(busy.Order(), busy);
        Assert.True(busy.Max() < (await PendingIdsAsync("ep_busy")).Min(), "a lane takes its oldest deliveries");
        Assert.All(claimed, c =>
        {
            Assert.Equal((OutboxRoutes.Deliveries, DirectType, 0), (c.Item.Queue, c.Item.Type, c.Item.Attempts));
            Assert.Equal($"https://hooks.example.com/{c.Item.Target}", c.Url);
            Assert.StartsWith("whsec_", c.Secret);
        });
    }

    [Fact]
    public async Task A_lane_limit_of_zero_claims_nothing_for_that_endpoint_and_the_others_still_get_theirs()
    {
        await AddEndpointAsync("ep_full", "batch.depleted");
        await AddEndpointAsync("ep_free", "batch.depleted");
        await DeliverAsync("ep_full", 50);
        await DeliverAsync("ep_free", 3);

        var claimed = await Webhooks.ClaimDeliveriesAsync("node-a", new Dictionary<string, int> { ["ep_full"] = 0 }, 4, limit: 4, LongLease);

        Assert.Equal(["ep_free", "ep_free", "ep_free"], claimed.Select(c => c.Item.Target));
        var one = await Webhooks.ClaimDeliveriesAsync("node-a", new Dictionary<string, int> { ["ep_full"] = 1 }, 4, limit: 4, LongLease);
        Assert.Equal(["ep_full"], one.Select(c => c.Item.Target));
    }

    [Fact]
    public async Task A_claim_of_some_partitions_takes_only_their_deliveries_and_leaves_the_rest_to_their_owners()
    {
        await AddEndpointAsync("ep_parts", "batch.depleted");
        await DeliverAsync("ep_parts", 8);
        var pending = await PendingIdsAsync("ep_parts");

        var even = (await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 100, limit: 100, LongLease, new WorkPartitions(2, [0])))
            .Where(c => c.Item.Target == "ep_parts").Select(c => c.Item.Id).ToList();
        var odd = (await Webhooks.ClaimDeliveriesAsync("node-b", NoLimits, 100, limit: 100, LongLease, new WorkPartitions(2, [1])))
            .Where(c => c.Item.Target == "ep_parts").Select(c => c.Item.Id).ToList();

        Assert.Equal(pending.Where(id => id % 2 == 0).Order(), even.Order());
        Assert.Equal(pending.Where(id => id % 2 == 1).Order(), odd.Order());
        Assert.Empty(await Webhooks.ClaimDeliveriesAsync("node-c", NoLimits, 100, limit: 100, LongLease, new WorkPartitions(2, [])));
    }

    [Fact]
    public async Task The_total_limit_takes_the_oldest_due_across_lanes()
    {
        await AddEndpointAsync("ep_a", "batch.depleted");
        await AddEndpointAsync("ep_b", "batch.depleted");
        var a = await DeliverAsync("ep_a", 2);
        var b = await DeliverAsync("ep_b", 2);

        var claimed = await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 10, limit: 3, LongLease);

        Assert.Equal([.. a, b[0]], claimed.Select(c => c.Item.MessageId));
    }

    [Fact]
    public async Task Deleting_an_endpoint_makes_its_pending_deliveries_dead_and_they_are_never_claimed()
    {
        await AddEndpointAsync("ep_gone", "batch.depleted");
        await DeliverAsync("ep_gone", 3);
        var inFlight = Assert.Single(await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 1, 1, LongLease));

        Assert.True(await Webhooks.DeleteAsync("ep_gone"));

        var deliveries = await Webhooks.ListDeliveriesAsync("ep_gone", null, long.MaxValue, 10);
        Assert.All(deliveries, d => Assert.Equal(("dead", "endpoint deleted"), (d.State, d.LastError)));
        Assert.False(await Webhooks.CompleteDeliveryAsync(inFlight.Item, 200), "the attempt in flight cannot settle it any more");

        // Nothing new for it: a message stored or fanned out after the delete adds no delivery, and one added by hand is
        // never claimed.
        await LeaveFanOutItemsAsync(await WriteMessagesAsync(("batch.depleted", 1)));
        Assert.Empty(await Webhooks.ListDeliveriesAsync("ep_gone", DeliveryStatus.Pending, long.MaxValue, 10));
        Assert.Equal(0, await Webhooks.FanOutAsync(await Storage.Work.ClaimAsync(OutboxRoutes.Webhooks, "node-a", 10, LongLease)));
        await DeliverAsync("ep_gone", 1);
        Assert.Empty(await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 10, 10, LongLease));
    }

    [Fact]
    public async Task A_claim_takes_an_expired_lease_back_and_counts_it_as_an_attempt()
    {
        await AddEndpointAsync("ep_a", "batch.depleted");
        await DeliverAsync("ep_a", 1);
        var first = Assert.Single(await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 4, 4, LongLease));
        Assert.Empty(await Webhooks.ClaimDeliveriesAsync("node-b", NoLimits, 4, 4, LongLease));

        // node-a's last extension is a short one, and then it never extends again (it died): the lease runs out.
        Assert.True(await Storage.Work.ExtendAsync(first.Item, ShortLease));
        await LeaseEndedAsync(OutboxRoutes.Deliveries, first.Item.Id);
        var second = Assert.Single(await Webhooks.ClaimDeliveriesAsync("node-b", NoLimits, 4, 4, LongLease));

        Assert.Equal((first.Item.Id, 1), (second.Item.Id, second.Item.Attempts));
        Assert.False(await Webhooks.CompleteDeliveryAsync(first.Item, 200));
        Assert.True(await Webhooks.CompleteDeliveryAsync(second.Item, 200));
    }

    [Fact]
    public async Task Deliveries_completed_at_the_same_moment_each_record_their_own_status_and_only_a_held_lease_counts()
    {
        await AddEndpointAsync("ep_a", "batch.depleted");
        await DeliverAsync("ep_a", 3);
        var claimed = (await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 4, 4, LongLease)).ToList();
        Assert.Equal(3, claimed.Count);
        // The third's lease runs out and node-b takes it: node-a's completion of it must not count.
        Assert.True(await Storage.Work.ExtendAsync(claimed[2].Item, ShortLease));
        await LeaseEndedAsync(OutboxRoutes.Deliveries, claimed[2].Item.Id);
        var retaken = Assert.Single(await Webhooks.ClaimDeliveriesAsync("node-b", NoLimits, 4, 4, LongLease));

        // Completions that meet in one grouped statement on PostgreSQL.
        int[] statuses = [200, 204, 202];
        var completed = await Task.WhenAll(claimed.Select((c, i) => Task.Run(() => Webhooks.CompleteDeliveryAsync(c.Item, statuses[i]))));

        Assert.Equal([true, true, false], completed);
        var byId = (await Webhooks.ListDeliveriesAsync("ep_a", null, long.MaxValue, 10)).ToDictionary(d => d.Id);
        Assert.Equal(("done", 200), (byId[claimed[0].Item.Id].State, byId[claimed[0].Item.Id].LastStatus));
        Assert.Equal(("done", 204), (byId[claimed[1].Item.Id].State, byId[claimed[1].Item.Id].LastStatus));
        Assert.Equal(("pending", (int?)null), (byId[claimed[2].Item.Id].State, byId[claimed[2].Item.Id].LastStatus));
        Assert.True(await Webhooks.CompleteDeliveryAsync(retaken.Item, 200), "node-b still holds its lease");
    }

    [Fact]
    public async Task Deliveries_list_by_contract_status_newest_first_and_each_is_found_only_under_its_endpoint()
    {
        await AddEndpointAsync("ep_a", "batch.depleted");
        await AddEndpointAsync("ep_b", "batch.depleted");
        await DeliverAsync("ep_a", 4);
        await DeliverAsync("ep_b", 1);
        var claimed = (await Webhooks.ClaimDeliveriesAsync("node-a", new Dictionary<string, int> { ["ep_b"] = 0 }, 3, 3, LongLease)).ToList();
        Assert.True(await Webhooks.CompleteDeliveryAsync(claimed[0].Item, 204));
        Assert.True(await Storage.Work.RetryAsync(claimed[1].Item, TimeSpan.FromHours(1), "HTTP 500", 500));
        Assert.True(await Storage.Work.KillAsync(claimed[2].Item, "HTTP 410", 410));

        var all = await Webhooks.ListDeliveriesAsync("ep_a", null, long.MaxValue, 10);
        Assert.Equal(all.Select(d => d.Id).OrderDescending(), all.Select(d => d.Id));
        Assert.Equal(
            [DeliveryStatus.Pending, DeliveryStatus.Dead, DeliveryStatus.Failed, DeliveryStatus.Delivered],
            all.Select(DeliveryStatuses.Of));
        Assert.Equal([0, 1, 1, 1], all.Select(DeliveryStatuses.AttemptsOf));
        Assert.Equal([null, 410, 500, 204], all.Select(d => d.LastStatus));
        foreach (var status in Enum.GetValues<DeliveryStatus>())
        {
            var only = Assert.Single(await Webhooks.ListDeliveriesAsync("ep_a", status, long.MaxValue, 10));
            Assert.Equal(status, DeliveryStatuses.Of(only));
        }
        var page = await Webhooks.ListDeliveriesAsync("ep_a", null, all[1].Id, 10);
        Assert.Equal(all.Skip(2).Select(d => d.Id), page.Select(d => d.Id));

        Assert.NotNull(await Webhooks.GetDeliveryAsync("ep_a", all[0].Id));
        Assert.Null(await Webhooks.GetDeliveryAsync("ep_b", all[0].Id));
    }

    [Fact]
    public async Task Making_a_waiting_delivery_due_now_lets_the_next_claim_take_it()
    {
        await AddEndpointAsync("ep_a", "batch.depleted");
        await DeliverAsync("ep_a", 1);
        var item = Assert.Single(await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 4, 4, LongLease)).Item;
        Assert.False(await Webhooks.MakeDueNowAsync("ep_a", item.Id), "a delivery in flight is its attempt's");
        Assert.True(await Storage.Work.RetryAsync(item, TimeSpan.FromHours(5), "HTTP 503", 503));
        Assert.Empty(await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 4, 4, LongLease));

        Assert.False(await Webhooks.MakeDueNowAsync("ep_b", item.Id));
        Assert.True(await Webhooks.MakeDueNowAsync("ep_a", item.Id));

        var again = Assert.Single(await Webhooks.ClaimDeliveriesAsync("node-a", NoLimits, 4, 4, LongLease));
        Assert.Equal((item.Id, 1), (again.Item.Id, again.Item.Attempts));
    }

    [Fact]
    public async Task Concurrent_claimers_never_share_a_delivery_and_each_claim_keeps_to_the_lanes()
    {
        await AddEndpointAsync("ep_a", "batch.depleted");
        await AddEndpointAsync("ep_b", "batch.depleted");
        await DeliverAsync("ep_a", 60);
        await DeliverAsync("ep_b", 60);
        var storages = new List<IStorage>();
        for (var i = 0; i < 3; i++) storages.Add(await Database.OpenStorageAsync());
        try
        {
            var rounds = await Task.WhenAll(Enumerable.Range(0, 6).Select(c => Task.Run(async () =>
            {
                var mine = new List<DeliveryClaim>();
                while (await storages[c % storages.Count].Webhooks.ClaimDeliveriesAsync($"node-{c}", NoLimits, 5, 7, LongLease) is { Count: > 0 } batch)
                {
                    Assert.All(batch.GroupBy(b => b.Item.Target), lane => Assert.True(lane.Count() <= 5));
                    mine.AddRange(batch);
                }
                return mine;
            })));

            var all = rounds.SelectMany(r => r).ToList();
            Assert.Equal(120, all.Count);
            Assert.Equal(120, all.Select(c => c.Item.Id).Distinct().Count());
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
        }
    }

    /// <summary>An endpoint's fields, its events as one string (records compare arrays by reference).</summary>
    private static (string, string, string, string, DateTimeOffset) Shape(WebhookEndpoint e) =>
        (e.Id, e.Url, string.Join(",", e.Events), e.Secret, e.CreatedAt);

    private async Task<WebhookEndpoint> AddEndpointAsync(string id, params string[] events)
    {
        var endpoint = new WebhookEndpoint(id, $"https://hooks.example.com/{id}", events, "whsec_" + Convert.ToBase64String(new byte[32]), T0);
        await Webhooks.AddAsync(endpoint);
        return endpoint;
    }

    /// <summary>
    /// Writes <paramref name="count"/> messages of <see cref="DirectType"/> and a delivery of each to the endpoint alone;
    /// returns the message ids in order.
    /// </summary>
    private async Task<IReadOnlyList<string>> DeliverAsync(string endpointId, int count)
    {
        var messages = Enumerable.Range(0, count)
            .Select(_ => new OutboxMessage($"msg_{Interlocked.Increment(ref _messages)}", DirectType, "bat_1", """{"id":"bat_1"}""", T0))
            .ToList();
        await Storage.SeedAsync([], messages);
        await Storage.Work.EnqueueAsync(messages.Select(m => new NewWorkItem(OutboxRoutes.Deliveries, m.Id, endpointId)).ToList());
        return messages.Select(m => m.Id).ToList();
    }

    /// <summary>Fan-out items for these messages, as an earlier version of the projection added them.</summary>
    private Task LeaveFanOutItemsAsync(IEnumerable<string> messageIds) =>
        Storage.Work.EnqueueAsync(messageIds.Select(id => new NewWorkItem(OutboxRoutes.Webhooks, id, null)).ToList());

    /// <summary>Writes messages of the given types (with a delivery to each live endpoint subscribed); returns their ids in order.</summary>
    private async Task<string[]> WriteMessagesAsync(params (string Type, int Count)[] kinds)
    {
        var messages = kinds.SelectMany(k => Enumerable.Range(0, k.Count).Select(_ =>
            new OutboxMessage($"msg_{Interlocked.Increment(ref _messages)}", k.Type, "entity_1", "{}", T0))).ToList();
        await Storage.SeedAsync([], messages);
        return messages.Select(m => m.Id).ToArray();
    }

    /// <summary>Waits until the storage, by its own clock, no longer counts the item's lease as held.</summary>
    private async Task LeaseEndedAsync(string queue, long id)
    {
        WorkItemView? view = null;
        Assert.True(await Eventually.HoldsAsync(async () =>
            (view = Assert.Single(await Storage.Work.ListAsync(queue, null, null, long.MaxValue, 200), v => v.Id == id)) is { Leased: false },
            TimeSpan.FromSeconds(30)), $"the lease of item {id} never ended: {view}");
    }

    private async Task<IReadOnlyList<long>> PendingIdsAsync(string endpointId) =>
        (await Webhooks.ListDeliveriesAsync(endpointId, DeliveryStatus.Pending, long.MaxValue, 200)).Where(d => !d.Leased).Select(d => d.Id).ToList();
}
