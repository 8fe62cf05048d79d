using Npgsql;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.Persistence.Postgres.Views;

/// <summary>Upserts by id; another id for the same (event, member) breaks registrations_event_member_key.</summary>
internal sealed class RegistrationRows : PostgresRows<RegistrationView>
{
    protected override NpgsqlBatchCommand Command(IReadOnlyList<RegistrationView> views)
    {
        var rows = LastPerKey(views, v => v.Id);
        return PostgresBatchCommands.Command("""
            INSERT INTO registrations (id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
                ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[],
                $9::timestamptz[], $10::timestamptz[], $11::text[], $12::timestamptz[], $13::text[], $14::bigint[], $15::text[], $16::timestamptz[])
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, order_id = excluded.order_id, payment_id = excluded.payment_id,
                amount = excluded.amount, currency = excluded.currency, paid_at = excluded.paid_at, checked_in_at = excluded.checked_in_at,
                ticket_status = excluded.ticket_status, ticket_sent_at = excluded.ticket_sent_at,
                whatsapp_message_id = excluded.whatsapp_message_id, ticket_attempts = excluded.ticket_attempts,
                ticket_last_error = excluded.ticket_last_error
            """,
            Array(rows.Select(r => r.Id)),
            Array(rows.Select(r => r.EventId)),
            Array(rows.Select(r => r.MemberId)),
            Array(rows.Select(r => r.Status)),
            Array(rows.Select(r => r.OrderId)),
            Array(rows.Select(r => r.PaymentId)),
            Array(rows.Select(r => r.Amount)),
            Array(rows.Select(r => r.Currency)),
            Times(rows.Select(r => r.PaidAt)),
            Times(rows.Select(r => r.CheckedInAt)),
            Array(rows.Select(r => r.TicketStatus)),
            Times(rows.Select(r => r.TicketSentAt)),
            Array(rows.Select(r => r.WhatsappMessageId)),
            Array(rows.Select(r => (long)r.TicketAttempts)),
            Array(rows.Select(r => r.TicketLastError)),
            Times(rows.Select(r => r.CreatedAt)));
    }
}
