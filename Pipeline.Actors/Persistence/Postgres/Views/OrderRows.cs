using Npgsql;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.Persistence.Postgres.Views;

/// <summary>
/// Write-once: an order row seen again (the journal projection repeating a page after a crash, or its copy of an order
/// already written at the placement by <see cref="PostgresOrderIndex"/>) is left as it is. Rows go in sorted by id: the
/// placements' statement and the projection's transaction insert overlapping orders at the same moment, and an insert
/// waits for another's uncommitted row of the same key, so in any other order each could wait for the other (a deadlock,
/// which failed a placement with 500 under load).
/// </summary>
internal sealed class OrderRows : PostgresRows<OrderView>
{
    protected override NpgsqlBatchCommand Command(IReadOnlyList<OrderView> rows) =>
        PostgresBatchCommands.Command("""
            INSERT INTO orders (order_id, registration_id, event_id, member_id, amount, currency, created_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[]) ORDER BY 1
            ON CONFLICT DO NOTHING
            """,
            Array(rows.Select(r => r.OrderId)),
            Array(rows.Select(r => r.RegistrationId)),
            Array(rows.Select(r => r.EventId)),
            Array(rows.Select(r => r.MemberId)),
            Array(rows.Select(r => r.Amount)),
            Array(rows.Select(r => r.Currency)),
            Times(rows.Select(r => r.CreatedAt)));
}
