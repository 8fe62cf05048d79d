using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Operations.Caching;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Caching;

public sealed class SqliteEventCacheTests(AppFixture<SqliteTestDatabase> fixture) : EventCacheContract<SqliteTestDatabase>(fixture);

/// <summary>Another node on the same database exists only on PostgreSQL (SQLite is a cluster of one).</summary>
public sealed class PostgresEventCacheTests(AppFixture<PostgresTestDatabase> fixture) : EventCacheContract<PostgresTestDatabase>(fixture)
{
    [Fact]
    public Task A_confirmation_on_another_node_shows_here_within_5_seconds() => OtherNodesConfirmationShowsWithin5SecondsAsync();
}

/// <summary>
/// The contract's promise for public event reads: a node's answer reflects every confirmation it completed before
/// the request, and confirmations completed on other nodes within 5 s. A second host on the same database plays the
/// other node, so its confirmation happens behind the first host's cache.
/// </summary>
public abstract class EventCacheContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PaymentScenario _flow = new(fixture.App);

    [Fact]
    public async Task A_confirmation_on_this_node_shows_in_the_next_read_of_the_event_and_the_list()
    {
        var eventId = await _flow.CreateEventAsync();
        var first = await _flow.CreateMemberAsync("+919800000001");
        var second = await _flow.CreateMemberAsync("+919800000002");
        Assert.Equal(0, await CountAsync(eventId));
        Assert.Equal(0, await ListedCountAsync(eventId)); // both reads are cached now

        var (orderId, _) = await _flow.PlaceOrderAsync(eventId, first);
        Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, first, orderId, PaymentScenario.NewPaymentId())).StatusCode);

        Assert.Equal(1, await CountAsync(eventId));
        Assert.Equal(1, await ListedCountAsync(eventId));

        // Razorpay's webhook confirms through the same path.
        var (secondOrder, _) = await _flow.PlaceOrderAsync(eventId, second);
        Assert.Equal(HttpStatusCode.OK, (await _flow.SendWebhookAsync(PaymentScenario.NewPaymentId(), secondOrder, 49900)).StatusCode);

        Assert.Equal(2, await CountAsync(eventId));
        Assert.Equal(2, await ListedCountAsync(eventId));
    }

    /// <summary>
    /// This node's cache runs on a clock the test moves, so "still cached" and "5 s later" are exact instants, not
    /// wall-clock margins that the other node's requests on a loaded machine could eat into.
    /// </summary>
    protected async Task OtherNodesConfirmationShowsWithin5SecondsAsync()
    {
        var cacheClock = new ManualTimeProvider();
        await using var here = new PipelineApp(fixture.Database, new Dictionary<string, string?> { ["Pipeline:Node:Name"] = "cache-test-this-node" })
        {
            TestServices = services => services.AddSingleton(sp => new EventReadCache(sp.GetRequiredService<IEventReadModel>(), cacheClock)),
        };
        await using var other = new PipelineApp(fixture.Database, new Dictionary<string, string?> { ["Pipeline:Node:Name"] = "cache-test-other-node" });
        var thisNode = new PaymentScenario(here);
        var elsewhere = new PaymentScenario(other);
        var eventId = await thisNode.CreateEventAsync();
        var memberId = await thisNode.CreateMemberAsync("+919800000011");
        Assert.Equal(0, await CountAsync(thisNode, eventId)); // cached here
        Assert.Equal(0, await ListedCountAsync(thisNode, eventId));

        var (orderId, _) = await elsewhere.PlaceOrderAsync(eventId, memberId);
        var confirm = await elsewhere.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId());
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(1, await CountAsync(elsewhere, eventId));

        // Served from this node's cache while it is fresh (the other node cannot evict it)...
        Assert.Equal(0, await CountAsync(thisNode, eventId));
        Assert.Equal(0, await ListedCountAsync(thisNode, eventId));
        // ...and fresh 5 s after the confirmation, the contract's bound.
        cacheClock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await CountAsync(thisNode, eventId));
        Assert.Equal(1, await ListedCountAsync(thisNode, eventId));
    }

    [Fact]
    public async Task An_event_created_on_this_node_is_listed_at_once()
    {
        var before = await (await _flow.Public.GetAsync("/api/events?limit=200")).JsonAsync();
        var count = before.GetProperty("items").GetArrayLength();

        var eventId = await _flow.CreateEventAsync();

        var after = await (await _flow.Public.GetAsync("/api/events?limit=200")).JsonAsync();
        Assert.Equal(count + 1, after.GetProperty("items").GetArrayLength());
        Assert.Contains(after.GetProperty("items").EnumerateArray(), e => e.GetProperty("id").GetString() == eventId);
    }

    private Task<long> CountAsync(string eventId) => CountAsync(_flow, eventId);

    private Task<long> ListedCountAsync(string eventId) => ListedCountAsync(_flow, eventId);

    private static async Task<long> CountAsync(PaymentScenario node, string eventId) =>
        (await node.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64();

    private static async Task<long> ListedCountAsync(PaymentScenario node, string eventId)
    {
        string? cursor = null;
        do
        {
            var page = await (await node.Public.GetAsync("/api/events?limit=200" + (cursor is null ? "" : "&cursor=" + cursor))).JsonAsync();
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                if (item.GetProperty("id").GetString() == eventId)
                {
                    return item.GetProperty("attendeeCount").GetInt64();
                }
            }
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        throw new InvalidOperationException($"{eventId} is not listed");
    }
}
