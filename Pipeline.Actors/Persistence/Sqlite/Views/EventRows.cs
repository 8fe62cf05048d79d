using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Events;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

internal sealed class EventRows : SqliteRows<EventView>
{
    public override string Sql => """
        INSERT INTO events (id, name, venue, starts_at, fee_amount, fee_currency, created_at)
        VALUES ($id, $name, $venue, $starts_at, $fee_amount, $fee_currency, $created_at)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, venue = excluded.venue, starts_at = excluded.starts_at,
            fee_amount = excluded.fee_amount, fee_currency = excluded.fee_currency
        """;

    protected override void Bind(SqliteParameterCollection parameters, EventView view)
    {
        Set(parameters, "$id", view.Id);
        Set(parameters, "$name", view.Name);
        Set(parameters, "$venue", view.Venue);
        Set(parameters, "$starts_at", SqliteTime.Format(view.StartsAt));
        Set(parameters, "$fee_amount", view.FeeAmount);
        Set(parameters, "$fee_currency", view.FeeCurrency);
        Set(parameters, "$created_at", SqliteTime.Format(view.CreatedAt));
    }
}
