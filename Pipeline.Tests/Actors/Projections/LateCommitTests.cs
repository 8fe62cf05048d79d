using System.Net;
using System.Text;
using Npgsql;
using Pipeline.Actors.Serialization;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Projections;

/// <summary>
/// A journal write that commits long after its position was taken: Akka's live tag query skips such a hole for good
/// after 10 s. The journal projection keeps re-reading it, so the late events still reach the read side and the outbox.
/// PostgreSQL only: SQLite has one writer, so a position is never visible before an earlier one.
/// </summary>
public sealed class LateCommitTests(AppFixture<PostgresTestDatabase> fixture) : IClassFixture<AppFixture<PostgresTestDatabase>>
{
    private readonly HttpClient _admin = fixture.App.CreateAdminClient();

    [Fact]
    public async Task Events_committed_after_akkas_ten_second_gap_window_still_reach_the_read_side_and_the_outbox()
    {
        var key = "bat_late" + Guid.NewGuid().ToString("N")[..12];
        var messageId = "msg_late" + Guid.NewGuid().ToString("N")[..12];
        await CreateBatchAsync("sku-before"); // the journal exists and the projection is running

        // The late write: a batch created and depleted in one transaction that takes its positions now, commits later.
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var late = await connection.BeginTransactionAsync();
        await InsertAsync(connection, late, key, 1, "BatchCreated",
            $$"""{"id":"{{key}}","sku":"sku-late","quantity":5,"at":"2026-01-01T00:00:00.000Z"}""");
        await InsertAsync(connection, late, key, 2, "OutboxMessageRecorded",
            $$"""{"id":"{{messageId}}","type":"batch.depleted","data":"{\"id\":\"{{key}}\"}","at":"2026-01-01T00:00:00.000Z"}""");

        // Later positions commit and are applied past the hole.
        var after = await CreateBatchAsync("sku-after");
        Assert.True(await Eventually.HoldsAsync(async () => await fixture.App.Storage.Batches.GetAsync(after) is not null));
        await Task.Delay(TimeSpan.FromSeconds(11));
        Assert.Null(await fixture.App.Storage.Batches.GetAsync(key));

        await late.CommitAsync();

        Assert.True(await Eventually.HoldsAsync(async () => await fixture.App.Storage.Batches.GetAsync(key) is not null),
            "the late batch reached the read side");
        var listed = await (await _admin.GetAsync("/api/batches?sku=sku-late")).JsonAsync();
        Assert.Equal(key, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(1, await fixture.Database.ScalarAsync($"SELECT count(*) FROM outbox WHERE id = '{messageId}'"));
    }

    private async Task<string> CreateBatchAsync(string sku)
    {
        var response = await _admin.PostJsonAsync("/api/batches", new { sku, quantity = 3 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, long seq, string manifest, string json)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO event_journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid)
            VALUES ($1, false, $2, $3, $4, $5, $6, 'late-commit-test')
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "batch/" + key });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = Encoding.UTF8.GetBytes(json) });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = manifest });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = JournalSerializer.Id });
        await insert.ExecuteNonQueryAsync();
    }
}
