using Npgsql;
using Pipeline.Actors.Entities.Batches;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>Adds the upserts of the read-side rows that entities project to the journal's batch (same transaction).</summary>
internal static class PostgresViewWriter
{
    public static void AddTo(NpgsqlBatch batch, IEnumerable<object> views)
    {
        var batches = new Dictionary<string, BatchView>(StringComparer.Ordinal);
        foreach (var view in views)
        {
            switch (view)
            {
                // Last write per row wins: one upsert statement may not touch a row twice.
                case BatchView b: batches[b.Id] = b; break;
                default: throw new NotSupportedException($"No read-side table for {view.GetType().Name}.");
            }
        }

        if (batches.Count > 0)
        {
            var rows = batches.Values;
            batch.BatchCommands.Add(PostgresJournal.Command("""
                INSERT INTO batches (id, sku, quantity, remaining, version, created_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::timestamptz[])
                ON CONFLICT (id) DO UPDATE SET remaining = excluded.remaining, version = excluded.version
                """,
                PostgresJournal.Array(rows.Select(r => r.Id)),
                PostgresJournal.Array(rows.Select(r => r.Sku)),
                PostgresJournal.Array(rows.Select(r => r.Quantity)),
                PostgresJournal.Array(rows.Select(r => r.Remaining)),
                PostgresJournal.Array(rows.Select(r => r.Version)),
                PostgresJournal.Array(rows.Select(r => r.CreatedAt.ToUniversalTime()))));
        }
    }
}
