using Npgsql;
using Pipeline.Actors.Persistence.Postgres;
using Pipeline.Actors.Projections;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The read-side contract on PostgreSQL, and what only PostgreSQL does: each event's paid count is kept by triggers on
/// registrations (migration 0014), so that no index names status and a registration turning paid (once per
/// confirmation) is a HOT update: no new index entries.
/// </summary>
public sealed class PostgresReadModelTests(PostgresTestDatabase database)
    : ReadModelContract(database), IClassFixture<PostgresTestDatabase>
{
    [Fact]
    public async Task A_registration_turning_paid_is_a_HOT_update()
    {
        var ev = Event("hot");
        var pending = Registration("hot", ev.Id, Id("hot-member"));
        await SeedAsync([ev, pending]);

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var before = await UpdatesAsync(connection, transaction);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            PostgresViewWriter.AddTo(batch, [Paid(pending, "hot")]);
            await batch.ExecuteNonQueryAsync();
        }
        var after = await UpdatesAsync(connection, transaction);
        await transaction.CommitAsync();

        Assert.Equal((1L, 1L), (after.Updated - before.Updated, after.Hot - before.Hot));
        Assert.Equal(1, (await Storage.Events.GetAsync(ev.Id))!.AttendeeCount);
    }

    [Fact]
    public async Task Paid_counts_stay_exact_while_writers_turn_registrations_of_the_same_events_paid_at_once()
    {
        const int Writers = 8;
        const int PerWriter = 25;
        var events = new[] { Event("busy-a"), Event("busy-b") };
        var registrations = Enumerable.Range(0, Writers * PerWriter)
            .Select(i => Registration($"busy-{i}", events[i % 2].Id, Id($"busy-member-{i}"))).ToList();
        await SeedAsync([.. events, .. registrations]);

        // Each writer's page names both events, half of them b first, and is written twice (a projection's replay after a crash).
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var page = registrations.Skip(w * PerWriter).Take(PerWriter).Select(r => Paid(r, r.Id)).ToList();
            var ordered = (w % 2 == 0 ? page.OrderBy(r => r.EventId, StringComparer.Ordinal) : page.OrderByDescending(r => r.EventId, StringComparer.Ordinal))
                .ToList<object>();
            await start.Task;
            await Storage.Projections.ApplyAsync($"writer-{w}", ordered, [], ProjectionCheckpoint.Start);
            await Storage.Projections.ApplyAsync($"writer-{w}", ordered, [], ProjectionCheckpoint.Start);
        })).ToList();
        start.SetResult();
        await Task.WhenAll(writers);

        foreach (var ev in events)
        {
            Assert.Equal(Writers * PerWriter / 2, await database.ScalarAsync(
                $"SELECT count(*) FROM registrations WHERE event_id = '{ev.Id}' AND status = 'paid'"));
            Assert.Equal(Writers * PerWriter / 2, (await Storage.Events.GetAsync(ev.Id))!.AttendeeCount);
            Assert.Equal(Writers * PerWriter / 2, await Storage.Attendees.CountAsync(ev.Id, paidOnly: true));
        }
    }

    [Fact]
    public async Task Migrating_counts_the_registrations_paid_before_it()
    {
        var ev = Event("before");
        var other = Event("before-other");
        await SeedAsync([ev, other]);
        // The database as 0013 left it: no counts, no triggers, status indexed.
        await database.ScalarAsync("""
            DROP TRIGGER registrations_paid_inserted ON registrations;
            DROP TRIGGER registrations_paid_updated ON registrations;
            DROP TRIGGER registrations_paid_deleted ON registrations;
            DROP FUNCTION registrations_paid_inserted(), registrations_paid_updated(), registrations_paid_deleted(),
                event_attendees_add(text[], bigint[]);
            DROP TABLE event_attendees;
            CREATE INDEX registrations_event_status_position ON registrations (event_id, status, position);
            DELETE FROM schema_migrations WHERE version = 14;
            SELECT 0
            """);
        await SeedAsync([
            Paid(Registration("before-0", ev.Id, Id("before-member-0")), "before-0"),
            Paid(Registration("before-1", ev.Id, Id("before-member-1")), "before-1"),
            Registration("before-2", ev.Id, Id("before-member-2")),
            Paid(Registration("before-3", other.Id, Id("before-member-3")), "before-3"),
        ]);

        Assert.Equal([14], await Storage.Migrator.MigrateAsync());

        Assert.Equal(2, (await Storage.Events.GetAsync(ev.Id))!.AttendeeCount);
        Assert.Equal(1, (await Storage.Events.GetAsync(other.Id))!.AttendeeCount);
        Assert.Equal(0, await database.ScalarAsync(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'registrations' AND indexdef LIKE '%status%'"));
        await SeedAsync([Paid(Registration("before-2", ev.Id, Id("before-member-2")), "before-2")]);
        Assert.Equal(3, (await Storage.Events.GetAsync(ev.Id))!.AttendeeCount);
    }

    private static async Task<(long Updated, long Hot)> UpdatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        // The transaction's own counts (with any not yet reported by this connection): compared before and after.
        await using var command = new NpgsqlCommand(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'registrations'", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
