using System.Net;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Operations.Metrics.EntityMetrics;

namespace Pipeline.Tests.Operations.Metrics;

public sealed class SqliteLiveEntityBoundTests : LiveEntityBoundContract<SqliteTestDatabase>;

public sealed class PostgresLiveEntityBoundTests : LiveEntityBoundContract<PostgresTestDatabase>;

/// <summary>
/// <c>Pipeline:Entities:MaxLiveEntities</c> on a real host: a burst of orders leaves at most the bound's registrations in
/// memory, long before their idle timeout, and the ones that left still confirm, recovered from the journal.
/// </summary>
public abstract class LiveEntityBoundContract<TDatabase> : IAsyncLifetime where TDatabase : TestDatabase, new()
{
    private const string Registration = "registration";
    private const int Bound = 10;
    private const int Orders = 30;
    private readonly TDatabase _database = new();
    private PipelineApp _app = null!;
    private PaymentScenario _flow = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _app = new PipelineApp(_database, new Dictionary<string, string?> { ["Pipeline:Entities:MaxLiveEntities"] = Bound.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _flow = new PaymentScenario(_app);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Past_the_bound_the_least_recently_used_registrations_leave_memory_and_still_confirm()
    {
        var eventId = await _flow.CreateEventAsync();
        var orders = new List<(string MemberId, string OrderId)>();
        for (var i = 0; i < Orders; i++)
        {
            var memberId = await _flow.CreateMemberAsync();
            orders.Add((memberId, (await _flow.PlaceOrderAsync(eventId, memberId)).OrderId));
        }

        // The bound and its tenth; the idle timeout (2 min) has not passivated any of them.
        Assert.True(await Eventually.HoldsAsync(async () => Value(await ScrapeAsync(_flow.Public), "pipeline_entity_live", Registration) <= Bound + 1,
            TimeSpan.FromSeconds(20)), "the registrations beyond the bound should leave memory");
        var before = await ScrapeAsync(_flow.Public);
        Assert.True(Value(before, "pipeline_entity_passivations_total", Registration) >= Orders - Bound - 1);

        // The latest order's registration stayed: its confirmation recovers nothing. The first one's left and recovers.
        var (lastMember, lastOrder) = orders[^1];
        Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, lastMember, lastOrder, PaymentScenario.NewPaymentId())).StatusCode);
        var afterLast = await ScrapeAsync(_flow.Public);
        Assert.Equal(Value(before, "pipeline_entity_recoveries_total", Registration), Value(afterLast, "pipeline_entity_recoveries_total", Registration));

        var (firstMember, firstOrder) = orders[0];
        var confirmed = await _flow.ConfirmAsync(eventId, firstMember, firstOrder, PaymentScenario.NewPaymentId());
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("paid", (await confirmed.JsonAsync()).GetProperty("registration").GetProperty("status").GetString());
        var afterFirst = await ScrapeAsync(_flow.Public);
        Assert.True(Value(afterFirst, "pipeline_entity_recoveries_total", Registration) > Value(afterLast, "pipeline_entity_recoveries_total", Registration),
            "the first order's registration had left memory and was recovered");
    }
}
