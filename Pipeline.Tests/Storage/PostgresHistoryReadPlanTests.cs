using Npgsql;
using Pipeline.Actors.Persistence.Postgres;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The journal projection's read of evicted entities' histories looks each one up by the journal's (persistence_id,
/// sequence_number) index on a table without statistics: a fresh database under load, before autovacuum's first ANALYZE,
/// when the planner takes 200 distinct entities for granted and, given a join, hashed the whole journal per read.
/// </summary>
/// <remarks>
/// Planned against a copy of the journal a started host created (its columns and indexes), filled with 100,000 events
/// of 50,000 entities: the host's own journal is left alone, since its projection reads every row written there.
/// </remarks>
public sealed class PostgresHistoryReadPlanTests(AppFixture<PostgresTestDatabase> fixture) : IClassFixture<AppFixture<PostgresTestDatabase>>
{
    private const int Events = 100_000;
    private const int Histories = 300;

    [Fact]
    public async Task A_history_read_looks_each_entity_up_by_index_before_the_journal_has_statistics()
    {
        var table = "plan_journal_" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Database.ScalarAsync($"CREATE TABLE {table} (LIKE event_journal INCLUDING ALL) WITH (autovacuum_enabled = false)");
        await fixture.Database.ScalarAsync($"""
            INSERT INTO {table} (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid)
            SELECT 0, false, 'registration/plan-' || (g / 2), g % 2 + 1, '\x00'::bytea, 'e', 1, 'plan'
              FROM generate_series(0, {Events - 1}) AS g
            """);
        Assert.Equal(0, await fixture.Database.ScalarAsync($"SELECT count(*) FROM pg_statistic WHERE starelid = '{table}'::regclass"));

        var entities = Enumerable.Range(0, Histories).Select(i => i * (Events / 2 / Histories)).ToArray();

        var text = await PostgresPlan.ExplainAsync(fixture.Database.ConnectionString,
            PostgresProjectionStore.ReadHistoriesSql.Replace("event_journal", table, StringComparison.Ordinal),
            new NpgsqlParameter<string[]> { TypedValue = [.. entities.Select(e => $"registration/plan-{e}")] },
            new NpgsqlParameter<long[]> { TypedValue = [.. entities.Select(_ => 1L)] },
            new NpgsqlParameter<long[]> { TypedValue = [.. entities.Select(_ => 2L)] });

        Assert.DoesNotContain("Seq Scan on " + table, text);
        Assert.Contains("Index Cond: ((persistence_id = w.persistence_id)", text);
    }
}
