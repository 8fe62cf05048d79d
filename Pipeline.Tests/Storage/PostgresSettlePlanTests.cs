using Npgsql;
using Pipeline.Actors.Persistence.Postgres;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The grouped settles of work items read their rows by primary key on a table without statistics: a fresh database
/// under load, before autovacuum's first ANALYZE, when the planner takes few pending rows for granted and, given a
/// <c>state = 'pending'</c> to match, read every pending row through the partial claim indexes instead (a bench run's
/// 20,000-ticket backlog: 26 ms a group of 64 that way, 5 ms by key).
/// </summary>
public sealed class PostgresSettlePlanTests(PostgresTestDatabase database) : IClassFixture<PostgresTestDatabase>, IAsyncLifetime
{
    private const int PendingItems = 20_000;
    private const int Group = 64;

    public async Task InitializeAsync()
    {
        await (await database.OpenStorageAsync()).DisposeAsync(); // migrates the schema
        // The table must stay without statistics for the whole run (each test adds nothing after the first).
        await database.ScalarAsync("ALTER TABLE work_items SET (autovacuum_enabled = false)");
        await database.ScalarAsync($$"""
            WITH messages AS (
                INSERT INTO outbox (id, type, entity_id, data, created_at)
                SELECT 'plan-' || g, 'registration.paid', 'registration-' || g, '{}'::jsonb, now()
                  FROM generate_series(1, {{PendingItems}}) AS g
                    ON CONFLICT (id) DO NOTHING
                RETURNING id)
            INSERT INTO work_items (queue, message_id, lease_token, leased_until, lease_owner)
            SELECT 'tickets', id, 'token-' || id, now() + interval '5 minutes', 'node' FROM messages
            """);
        Assert.Equal(0, await database.ScalarAsync("SELECT count(*) FROM pg_statistic WHERE starelid = 'work_items'::regclass"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string> Settles => new() { "complete", "extend", "fan-out" };

    [Theory]
    [MemberData(nameof(Settles))]
    public async Task A_grouped_settle_reads_its_rows_by_primary_key_before_the_table_has_statistics(string settle)
    {
        var sql = settle switch
        {
            "complete" => PostgresWorkQueue.CompleteGroupSql,
            "extend" => PostgresWorkQueue.ExtendGroupSql,
            _ => PostgresWebhookStore.CompleteFanOutSql,
        };
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var ids = new List<long>();
        var tokens = new List<string>();
        await using (var read = new NpgsqlCommand($"SELECT id, lease_token FROM work_items ORDER BY random() LIMIT {Group}", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt64(0));
                tokens.Add(reader.GetString(1));
            }
        }

        List<NpgsqlParameter> parameters = [new NpgsqlParameter<long[]> { TypedValue = [.. ids] }, new NpgsqlParameter<string[]> { TypedValue = [.. tokens] }];
        if (settle != "fan-out")
        {
            parameters.Add(new NpgsqlParameter<TimeSpan[]> { TypedValue = [.. ids.Select(_ => TimeSpan.FromMinutes(1))] }); // the leases
            parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. ids.Select(_ => (int?)204)] }); // the statuses
        }

        var text = await PostgresPlan.ExplainAsync(database.ConnectionString, sql, [.. parameters]);

        Assert.Contains("work_items_pkey", text);
        Assert.DoesNotContain("work_items_claim", text);
        Assert.DoesNotContain("work_items_lane_claim", text);
        Assert.DoesNotContain("Seq Scan on work_items", text);
    }
}
