using Pipeline.Actors.Webhooks;

namespace Pipeline.Actors.Entities.WebhookEndpoints;

/// <param name="Endpoint">Null until created.</param>
/// <param name="DeletedAt">Set once deleted; a deleted endpoint stays deleted (its id is never reused).</param>
public sealed record WebhookEndpointState(string Key, WebhookEndpoint? Endpoint, DateTimeOffset? DeletedAt)
{
    public bool IsLive => Endpoint is not null && DeletedAt is null;
}

/// <summary>The endpoint's read-side row: the endpoint, and when it was deleted (its pending deliveries die with it).</summary>
public sealed record WebhookEndpointView(WebhookEndpoint Endpoint, DateTimeOffset? DeletedAt);
