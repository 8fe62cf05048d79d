using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Batches;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

internal sealed class BatchRows : SqliteRows<BatchView>
{
    public override string Sql => """
        INSERT INTO batches (id, sku, quantity, remaining, version, created_at)
        VALUES ($id, $sku, $quantity, $remaining, $version, $created_at)
        ON CONFLICT (id) DO UPDATE SET remaining = excluded.remaining, version = excluded.version
        """;

    protected override void Bind(SqliteParameterCollection parameters, BatchView view)
    {
        Set(parameters, "$id", view.Id);
        Set(parameters, "$sku", view.Sku);
        Set(parameters, "$quantity", view.Quantity);
        Set(parameters, "$remaining", view.Remaining);
        Set(parameters, "$version", view.Version);
        Set(parameters, "$created_at", SqliteTime.Format(view.CreatedAt));
    }
}
