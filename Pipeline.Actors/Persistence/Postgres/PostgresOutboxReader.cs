using Npgsql;
using Pipeline.Actors.Outbox;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresOutboxReader(NpgsqlDataSource dataSource) : IOutboxReader
{
    public async Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadAfterAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT position, id, type, entity_id, data::text, created_at FROM outbox WHERE position > $1 ORDER BY position LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var messages = new List<(long, OutboxMessage)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add((reader.GetInt64(0), new OutboxMessage(
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5))));
        }
        return messages;
    }
}
