using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Sqlite;

internal sealed class SqliteBatchReadModel(SqliteConnectionFactory connections) : IBatchReadModel
{
    private const string Columns = "position, id, sku, quantity, remaining, version, created_at";

    public async Task<BatchView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {Columns} FROM batches WHERE id = $id";
        select.Parameters.AddWithValue("$id", id);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader).Batch : null;
    }

    public async Task<IReadOnlyList<(long Position, BatchView Batch)>> ListAsync(
        string? sku, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = sku is null
            ? $"SELECT {Columns} FROM batches WHERE position > $after ORDER BY position LIMIT $limit"
            : $"SELECT {Columns} FROM batches WHERE sku = $sku AND position > $after ORDER BY position LIMIT $limit";
        select.Parameters.AddWithValue("$after", afterPosition);
        select.Parameters.AddWithValue("$limit", limit);
        if (sku is not null) select.Parameters.AddWithValue("$sku", sku);
        var rows = new List<(long, BatchView)>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    private static (long Position, BatchView Batch) Read(SqliteDataReader reader) =>
        (reader.GetInt64(0), new BatchView(reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), SqliteTime.Parse(reader.GetString(6))));
}
