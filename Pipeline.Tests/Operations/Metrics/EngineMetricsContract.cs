using System.Net;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Operations.Metrics.EntityMetrics;

namespace Pipeline.Tests.Operations.Metrics;

public sealed class SqliteEngineMetricsTests : EngineMetricsContract<SqliteTestDatabase>;

public sealed class PostgresEngineMetricsTests : EngineMetricsContract<PostgresTestDatabase>;

/// <summary>
/// The engine's timings on <c>/metrics</c> of a real host: journal writes are timed where the entity persists, and a
/// passivated entity's next command is a timed recovery. Entities idle for 1 s are passivated, so a test can see one go.
/// </summary>
public abstract class EngineMetricsContract<TDatabase> : IAsyncLifetime where TDatabase : TestDatabase, new()
{
    private const string Registration = "registration";
    private readonly TDatabase _database = new();
    private PipelineApp _app = null!;
    private PaymentScenario _flow = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _app = new PipelineApp(_database, new Dictionary<string, string?> { ["Pipeline:Entities:IdleTimeout"] = "00:00:01" });
        _flow = new PaymentScenario(_app);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Every_journal_write_of_a_confirmation_is_timed_by_its_entity_type()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var before = await ScrapeAsync();

        var (orderId, _) = await _flow.PlaceOrderAsync(eventId, memberId);
        Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
        var after = await ScrapeAsync();

        var writes = Value(after, "pipeline_entity_transactions_total", Registration) - Value(before, "pipeline_entity_transactions_total", Registration);
        Assert.True(writes >= 2, $"the order and the confirmation are journal writes of the registration ({writes})");
        // One timing per write, no more, no fewer (the ticket's outcome, recorded later, may add writes on both sides).
        Assert.Equal(writes, Value(after, "pipeline_journal_write_duration_seconds_count", Registration)
            - Value(before, "pipeline_journal_write_duration_seconds_count", Registration));
        Assert.True(Value(after, "pipeline_journal_write_duration_seconds_sum", Registration)
            > Value(before, "pipeline_journal_write_duration_seconds_sum", Registration));
    }

    [Fact]
    public async Task A_passivated_registrations_next_command_is_a_counted_and_timed_recovery()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, _) = await _flow.PlaceOrderAsync(eventId, memberId);
        // Wait until no registration is in memory: the one just ordered was passivated.
        Assert.True(await Eventually.HoldsAsync(async () => Value(await ScrapeAsync(), "pipeline_entity_live", Registration) == 0,
            TimeSpan.FromSeconds(20)), "the idle registration should be passivated");
        var before = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
        var after = await ScrapeAsync();

        var recoveries = Value(after, "pipeline_entity_recoveries_total", Registration) - Value(before, "pipeline_entity_recoveries_total", Registration);
        Assert.True(recoveries >= 1, "the confirmation recovered the passivated registration");
        Assert.Equal(recoveries, Value(after, "pipeline_entity_recovery_duration_seconds_count", Registration)
            - Value(before, "pipeline_entity_recovery_duration_seconds_count", Registration));
    }

    [Fact]
    public async Task Projection_lag_counts_journal_events_not_yet_applied_and_is_0_once_caught_up()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, _) = await _flow.PlaceOrderAsync(eventId, memberId);
        await _app.ProjectedAsync();
        var journal = await _app.Storage.Projections.HighestOrderingAsync();
        Assert.True(journal >= 3, $"the event, the member and the order are in the journal ({journal})");

        // Read at most every 2 s: the scrape that follows the projection's catch-up shows no lag.
        Assert.True(await Eventually.HoldsAsync(async () => Lag(await ScrapeAsync()) == 0, TimeSpan.FromSeconds(10)),
            "the lag should read 0 once the projection applied every journal event");
        await _app.Storage.Projections.ApplyAsync("journal", [], [], new Pipeline.Actors.Projections.ProjectionCheckpoint(journal - 2, []));
        Assert.True(await Eventually.HoldsAsync(async () => Lag(await ScrapeAsync()) >= 2, TimeSpan.FromSeconds(10)),
            "a checkpoint two events behind the journal reads as a lag of (at least) two");

        static double Lag(IReadOnlyDictionary<string, PromFamily> families) =>
            families.TryGetValue("pipeline_projection_lag_events", out var lag) ? Assert.Single(lag.Samples).Value : -1;
    }

    private Task<IReadOnlyDictionary<string, PromFamily>> ScrapeAsync() => EntityMetrics.ScrapeAsync(_flow.Public);
}
