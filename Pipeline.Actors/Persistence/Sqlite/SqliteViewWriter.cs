using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Batches;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>Upserts the read-side rows that entities project, inside the journal's transaction.</summary>
internal static class SqliteViewWriter
{
    public static async Task WriteAsync(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<object> views, CancellationToken ct)
    {
        SqliteCommand? batchUpsert = null;
        try
        {
            foreach (var view in views)
            {
                switch (view)
                {
                    case BatchView batch:
                        batchUpsert ??= PrepareBatchUpsert(connection, transaction);
                        batchUpsert.Parameters["$id"].Value = batch.Id;
                        batchUpsert.Parameters["$sku"].Value = batch.Sku;
                        batchUpsert.Parameters["$quantity"].Value = batch.Quantity;
                        batchUpsert.Parameters["$remaining"].Value = batch.Remaining;
                        batchUpsert.Parameters["$version"].Value = batch.Version;
                        batchUpsert.Parameters["$created_at"].Value = SqliteTime.Format(batch.CreatedAt);
                        await batchUpsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                        break;
                    default:
                        throw new NotSupportedException($"No read-side table for {view.GetType().Name}.");
                }
            }
        }
        finally
        {
            if (batchUpsert is not null) await batchUpsert.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static SqliteCommand PrepareBatchUpsert(SqliteConnection connection, SqliteTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO batches (id, sku, quantity, remaining, version, created_at)
            VALUES ($id, $sku, $quantity, $remaining, $version, $created_at)
            ON CONFLICT (id) DO UPDATE SET remaining = excluded.remaining, version = excluded.version
            """;
        foreach (var name in new[] { "$id", "$sku", "$quantity", "$remaining", "$version", "$created_at" })
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }
        return command;
    }
}
