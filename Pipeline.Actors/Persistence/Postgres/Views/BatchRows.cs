using Npgsql;
using Pipeline.Actors.Entities.Batches;

namespace Pipeline.Actors.Persistence.Postgres.Views;

internal sealed class BatchRows : PostgresRows<BatchView>
{
    protected override NpgsqlBatchCommand Command(IReadOnlyList<BatchView> views)
    {
        var rows = LastPerKey(views, v => v.Id);
        return PostgresBatchCommands.Command("""
            INSERT INTO batches (id, sku, quantity, remaining, version, created_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::timestamptz[])
            ON CONFLICT (id) DO UPDATE SET remaining = excluded.remaining, version = excluded.version
            """,
            Array(rows.Select(r => r.Id)),
            Array(rows.Select(r => r.Sku)),
            Array(rows.Select(r => r.Quantity)),
            Array(rows.Select(r => r.Remaining)),
            Array(rows.Select(r => r.Version)),
            Times(rows.Select(r => r.CreatedAt)));
    }
}
