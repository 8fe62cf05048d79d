using Npgsql;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.Persistence.Postgres.Views;

/// <summary>A plain insert, not deduplicated: a second order with the same id breaks orders_pkey.</summary>
internal sealed class OrderRows : PostgresRows<OrderView>
{
    protected override NpgsqlBatchCommand Command(IReadOnlyList<OrderView> rows) =>
        PostgresJournal.Command("""
            INSERT INTO orders (order_id, registration_id, event_id, member_id, amount, currency, created_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[])
            """,
            Array(rows.Select(r => r.OrderId)),
            Array(rows.Select(r => r.RegistrationId)),
            Array(rows.Select(r => r.EventId)),
            Array(rows.Select(r => r.MemberId)),
            Array(rows.Select(r => r.Amount)),
            Array(rows.Select(r => r.Currency)),
            Times(rows.Select(r => r.CreatedAt)));
}
