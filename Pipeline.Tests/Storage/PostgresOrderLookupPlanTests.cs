using Npgsql;
using Pipeline.Actors.Persistence.Postgres;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The confirmations' grouped order lookup reads each order by its key even on a table without statistics (a fresh
/// database under load, before autovacuum's first ANALYZE), where a join of the ids with <c>orders</c> may be planned as
/// a scan of the whole table.
/// </summary>
public sealed class PostgresOrderLookupPlanTests(PostgresTestDatabase database) : IClassFixture<PostgresTestDatabase>
{
    private const int Orders = 50_000;

    [Fact]
    public async Task A_grouped_order_lookup_reads_each_order_by_its_key_before_the_table_has_statistics()
    {
        await (await database.OpenStorageAsync()).DisposeAsync(); // migrates the schema
        await database.ScalarAsync("ALTER TABLE orders SET (autovacuum_enabled = false)");
        await database.ScalarAsync($"""
            INSERT INTO orders (order_id, registration_id, event_id, member_id, amount, currency, created_at)
            SELECT 'order_' || g, 'registration-' || g, 'event-1', 'member-' || g, 2500, 'INR', now()
              FROM generate_series(1, {Orders}) AS g
            """);
        Assert.Equal(0, await database.ScalarAsync("SELECT count(*) FROM pg_statistic WHERE starelid = 'orders'::regclass"));

        var text = await PostgresPlan.ExplainAsync(database.ConnectionString, PostgresOrderIndex.FindBatchSql,
            new NpgsqlParameter<string[]> { TypedValue = [.. Enumerable.Range(0, 256).Select(i => $"order_{i * 97 + 1}")] });

        Assert.DoesNotContain("Seq Scan on orders", text);
        Assert.Contains("Index Cond: (order_id = i.order_id)", text);
    }
}
