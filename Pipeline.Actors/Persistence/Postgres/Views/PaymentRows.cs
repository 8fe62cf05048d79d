using Npgsql;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.Persistence.Postgres.Views;

/// <summary>Write-once: a payment row seen again (the journal projection repeating a page after a crash) is left as it is.
/// One payment id per registration is decided before the write, by the payment claims.</summary>
internal sealed class PaymentRows : PostgresRows<PaymentView>
{
    protected override NpgsqlBatchCommand Command(IReadOnlyList<PaymentView> rows) =>
        PostgresBatchCommands.Command("""
            INSERT INTO payments (payment_id, registration_id, order_id, event_id, member_id, status, amount, currency, at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::timestamptz[])
            ON CONFLICT DO NOTHING
            """,
            Array(rows.Select(r => r.PaymentId)),
            Array(rows.Select(r => r.RegistrationId)),
            Array(rows.Select(r => r.OrderId)),
            Array(rows.Select(r => r.EventId)),
            Array(rows.Select(r => r.MemberId)),
            Array(rows.Select(r => r.Status)),
            Array(rows.Select(r => r.Amount)),
            Array(rows.Select(r => r.Currency)),
            Times(rows.Select(r => r.At)));
}
