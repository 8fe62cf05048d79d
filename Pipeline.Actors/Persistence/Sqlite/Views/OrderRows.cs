using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

/// <summary>Write-once: an order row seen again (the journal projection repeating a page after a crash) is left as it is.</summary>
internal sealed class OrderRows : SqliteRows<OrderView>
{
    public override string Sql => """
        INSERT OR IGNORE INTO orders (order_id, registration_id, event_id, member_id, amount, currency, created_at)
        VALUES ($order_id, $registration_id, $event_id, $member_id, $amount, $currency, $created_at)
        """;

    protected override void Bind(SqliteParameterCollection parameters, OrderView view)
    {
        Set(parameters, "$order_id", view.OrderId);
        Set(parameters, "$registration_id", view.RegistrationId);
        Set(parameters, "$event_id", view.EventId);
        Set(parameters, "$member_id", view.MemberId);
        Set(parameters, "$amount", view.Amount);
        Set(parameters, "$currency", view.Currency);
        Set(parameters, "$created_at", SqliteTime.Format(view.CreatedAt));
    }
}
