using Npgsql;
using Pipeline.Actors.Entities.WebhookEndpoints;

namespace Pipeline.Actors.Persistence.Postgres.Views;

/// <summary>
/// Endpoints, and a deleted endpoint's pending deliveries made dead. Two statements: the kill runs with a snapshot taken
/// after the endpoint's update, so it also sees deliveries a concurrent fan-out added while holding the endpoint row
/// (the fan-out reads endpoints FOR SHARE, so the update waits for it to commit).
/// </summary>
internal sealed class WebhookEndpointRows : PostgresRows<WebhookEndpointView>
{
    protected override IEnumerable<NpgsqlBatchCommand> Commands(IReadOnlyList<WebhookEndpointView> views)
    {
        var rows = LastPerKey(views, v => v.Endpoint.Id);
        yield return Command(rows);
        var deleted = rows.Where(r => r.DeletedAt is not null).Select(r => r.Endpoint.Id).ToList();
        if (deleted.Count > 0)
        {
            yield return PostgresBatchCommands.Command(PostgresWebhookStore.KillPendingSql, Array(deleted));
        }
    }

    protected override NpgsqlBatchCommand Command(IReadOnlyList<WebhookEndpointView> rows) =>
        PostgresBatchCommands.Command("""
            INSERT INTO webhook_endpoints (id, url, events, secret, created_at, deleted_at)
            SELECT i.id, i.url, ARRAY(SELECT jsonb_array_elements_text(i.events)), i.secret, i.created_at, i.deleted_at
              FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::timestamptz[], $6::timestamptz[])
                   AS i(id, url, events, secret, created_at, deleted_at)
            ON CONFLICT (id) DO UPDATE SET deleted_at = coalesce(webhook_endpoints.deleted_at, excluded.deleted_at)
            """,
            Array(rows.Select(r => r.Endpoint.Id)),
            Array(rows.Select(r => r.Endpoint.Url)),
            PostgresBatchCommands.Jsonb(rows.Select(r => System.Text.Json.JsonSerializer.Serialize(r.Endpoint.Events))),
            Array(rows.Select(r => r.Endpoint.Secret)),
            Times(rows.Select(r => r.Endpoint.CreatedAt)),
            Times(rows.Select(r => r.DeletedAt)));
}
