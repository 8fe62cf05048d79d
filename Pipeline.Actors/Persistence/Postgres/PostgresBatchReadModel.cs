using Npgsql;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresBatchReadModel(NpgsqlDataSource dataSource) : IBatchReadModel
{
    private const string Columns = "position, id, sku, quantity, remaining, version, created_at";

    public async Task<BatchView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM batches WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader).Batch : null;
    }

    public async Task<IReadOnlyList<(long Position, BatchView Batch)>> ListAsync(
        string? sku, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM batches WHERE ($1::text IS NULL OR sku = $1) AND position > $2 ORDER BY position LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)sku ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var rows = new List<(long, BatchView)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    private static (long Position, BatchView Batch) Read(NpgsqlDataReader reader) =>
        (reader.GetInt64(0), new BatchView(reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6)));
}
