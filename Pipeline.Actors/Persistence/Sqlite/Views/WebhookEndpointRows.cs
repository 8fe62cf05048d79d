using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.WebhookEndpoints;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

/// <summary>Endpoints, and a deleted endpoint's pending deliveries made dead (one writer: no fan-out runs in between).</summary>
internal sealed class WebhookEndpointRows : SqliteRows<WebhookEndpointView>
{
    public override string Sql => $"""
        INSERT INTO webhook_endpoints (id, url, events, secret, created_at, deleted_at)
        VALUES ($id, $url, $events, $secret, $created_at, $deleted_at)
        ON CONFLICT (id) DO UPDATE SET deleted_at = coalesce(webhook_endpoints.deleted_at, excluded.deleted_at);
        {SqliteWebhookStore.KillPendingSql} AND $now IS NOT NULL AND target = $id;
        """;

    protected override void Bind(SqliteParameterCollection parameters, WebhookEndpointView view)
    {
        Set(parameters, "$id", view.Endpoint.Id);
        Set(parameters, "$url", view.Endpoint.Url);
        Set(parameters, "$events", JsonSerializer.Serialize(view.Endpoint.Events));
        Set(parameters, "$secret", view.Endpoint.Secret);
        Set(parameters, "$created_at", SqliteTime.Format(view.Endpoint.CreatedAt));
        Set(parameters, "$deleted_at", SqliteTime.FormatNullable(view.DeletedAt));
        Set(parameters, "$now", view.DeletedAt?.ToUnixTimeMilliseconds()); // null: not deleted, nothing to kill
    }
}
