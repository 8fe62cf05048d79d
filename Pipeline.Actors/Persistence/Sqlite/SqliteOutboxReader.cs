using Pipeline.Actors.Outbox;

namespace Pipeline.Actors.Persistence.Sqlite;

internal sealed class SqliteOutboxReader(SqliteConnectionFactory connections) : IOutboxReader
{
    public async Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadAfterAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT position, id, type, entity_id, data, created_at FROM outbox WHERE position > $after ORDER BY position LIMIT $limit";
        select.Parameters.AddWithValue("$after", afterPosition);
        select.Parameters.AddWithValue("$limit", limit);
        var messages = new List<(long, OutboxMessage)>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add((reader.GetInt64(0), new OutboxMessage(
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), SqliteTime.Parse(reader.GetString(5)))));
        }
        return messages;
    }
}
