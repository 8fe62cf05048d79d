using System.Data.Common;
using System.Net;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Storage;

public sealed class SqliteJournalKeyTests(AppFixture<SqliteTestDatabase> fixture) : JournalKeyContract<SqliteTestDatabase>(fixture);

public sealed class PostgresJournalKeyTests(AppFixture<PostgresTestDatabase> fixture) : JournalKeyContract<PostgresTestDatabase>(fixture);

/// <summary>
/// The journal a started host leaves behind has its unique key on (persistence_id, sequence_number): a stale writer's
/// event for a sequence number already taken is refused, and an entity's events are looked up by index.
/// </summary>
public abstract class JournalKeyContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    [Fact]
    public async Task A_second_event_for_a_sequence_number_already_journaled_is_refused()
    {
        using var admin = fixture.App.CreateAdminClient();
        var created = await admin.PostJsonAsync("/api/batches", new { sku = "sku-key", quantity = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var persistenceId = "batch/" + (await created.JsonAsync()).GetProperty("id").GetString();

        var stale = $"""
            INSERT INTO event_journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid)
            SELECT created, deleted, persistence_id, sequence_number, message, manifest, identifier, 'stale-writer'
              FROM event_journal WHERE persistence_id = '{persistenceId}' AND sequence_number = 1
            """;

        await Assert.ThrowsAnyAsync<DbException>(() => fixture.Database.ScalarAsync(stale));
        Assert.Equal(1, await fixture.Database.ScalarAsync($"SELECT count(*) FROM event_journal WHERE persistence_id = '{persistenceId}'"));
    }
}
