using Npgsql;
using Pipeline.Actors.Entities.Events;

namespace Pipeline.Actors.Persistence.Postgres.Views;

internal sealed class EventRows : PostgresRows<EventView>
{
    protected override NpgsqlBatchCommand Command(IReadOnlyList<EventView> views)
    {
        var rows = LastPerKey(views, v => v.Id);
        return PostgresBatchCommands.Command("""
            INSERT INTO events (id, name, venue, starts_at, fee_amount, fee_currency, created_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::text[], $7::timestamptz[])
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, venue = excluded.venue, starts_at = excluded.starts_at,
                fee_amount = excluded.fee_amount, fee_currency = excluded.fee_currency
            """,
            Array(rows.Select(r => r.Id)),
            Array(rows.Select(r => r.Name)),
            Array(rows.Select(r => r.Venue)),
            Times(rows.Select(r => r.StartsAt)),
            Array(rows.Select(r => r.FeeAmount)),
            Array(rows.Select(r => r.FeeCurrency)),
            Times(rows.Select(r => r.CreatedAt)));
    }
}
