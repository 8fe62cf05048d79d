using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

/// <summary>Upserts by id; another id for the same (event, member) breaks registrations_event_member_key.</summary>
internal sealed class RegistrationRows : SqliteRows<RegistrationView>
{
    public override string Sql => """
        INSERT INTO registrations (id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
            ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at)
        VALUES ($id, $event_id, $member_id, $status, $order_id, $payment_id, $amount, $currency, $paid_at, $checked_in_at,
            $ticket_status, $ticket_sent_at, $whatsapp_message_id, $ticket_attempts, $ticket_last_error, $created_at)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, order_id = excluded.order_id, payment_id = excluded.payment_id,
            amount = excluded.amount, currency = excluded.currency, paid_at = excluded.paid_at, checked_in_at = excluded.checked_in_at,
            ticket_status = excluded.ticket_status, ticket_sent_at = excluded.ticket_sent_at,
            whatsapp_message_id = excluded.whatsapp_message_id, ticket_attempts = excluded.ticket_attempts,
            ticket_last_error = excluded.ticket_last_error
        """;

    protected override void Bind(SqliteParameterCollection parameters, RegistrationView view)
    {
        Set(parameters, "$id", view.Id);
        Set(parameters, "$event_id", view.EventId);
        Set(parameters, "$member_id", view.MemberId);
        Set(parameters, "$status", view.Status);
        Set(parameters, "$order_id", view.OrderId);
        Set(parameters, "$payment_id", view.PaymentId);
        Set(parameters, "$amount", view.Amount);
        Set(parameters, "$currency", view.Currency);
        Set(parameters, "$paid_at", SqliteTime.FormatNullable(view.PaidAt));
        Set(parameters, "$checked_in_at", SqliteTime.FormatNullable(view.CheckedInAt));
        Set(parameters, "$ticket_status", view.TicketStatus);
        Set(parameters, "$ticket_sent_at", SqliteTime.FormatNullable(view.TicketSentAt));
        Set(parameters, "$whatsapp_message_id", view.WhatsappMessageId);
        Set(parameters, "$ticket_attempts", view.TicketAttempts);
        Set(parameters, "$ticket_last_error", view.TicketLastError);
        Set(parameters, "$created_at", SqliteTime.Format(view.CreatedAt));
    }
}
