using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

/// <summary>Write-once: a payment row seen again (the journal projection repeating a page after a crash) is left as it is.
/// One payment id per registration is decided before the write, by the payment claims.</summary>
internal sealed class PaymentRows : SqliteRows<PaymentView>
{
    public override string Sql => """
        INSERT OR IGNORE INTO payments (payment_id, registration_id, order_id, event_id, member_id, status, amount, currency, at)
        VALUES ($payment_id, $registration_id, $order_id, $event_id, $member_id, $status, $amount, $currency, $at)
        """;

    protected override void Bind(SqliteParameterCollection parameters, PaymentView view)
    {
        Set(parameters, "$payment_id", view.PaymentId);
        Set(parameters, "$registration_id", view.RegistrationId);
        Set(parameters, "$order_id", view.OrderId);
        Set(parameters, "$event_id", view.EventId);
        Set(parameters, "$member_id", view.MemberId);
        Set(parameters, "$status", view.Status);
        Set(parameters, "$amount", view.Amount);
        Set(parameters, "$currency", view.Currency);
        Set(parameters, "$at", SqliteTime.Format(view.At));
    }
}
