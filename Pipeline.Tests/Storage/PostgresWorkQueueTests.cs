using Npgsql;

namespace Pipeline.Tests.Storage;

public sealed class PostgresWorkQueueTests(PostgresTestDatabase database)
    : WorkQueueContract(database), IClassFixture<PostgresTestDatabase>
{
    /// <summary>
    /// Work items are made with their message by one statement, so nothing checks the message again per item (migration
    /// 0015 dropped the foreign key, whose check locked the outbox row of every item it inserted): an item for a message
    /// that another transaction holds locked is added without waiting for it.
    /// </summary>
    [Fact]
    public async Task Adding_work_for_a_message_takes_no_lock_on_its_outbox_row()
    {
        var message = (await WriteMessagesAsync([Message("unlocked", "test.happened")]))[0];
        await using var holder = new NpgsqlConnection(database.ConnectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM outbox WHERE id = $1 FOR UPDATE", holder, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Id });
            await lockRow.ExecuteScalarAsync();
        }

        var added = Work.EnqueueAsync([new(Id("unlocked"), message.Id, null)]);

        Assert.Same(added, await Task.WhenAny(added, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal(1, await added);
    }
}
