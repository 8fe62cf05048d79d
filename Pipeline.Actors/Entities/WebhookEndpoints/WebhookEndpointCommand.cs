using Pipeline.Actors.Webhooks;

namespace Pipeline.Actors.Entities.WebhookEndpoints;

public abstract record WebhookEndpointCommand;

/// <summary>Creates the endpoint (its id is the entity's key); a repeat of one that exists changes nothing.</summary>
public sealed record CreateWebhookEndpoint(WebhookEndpoint Endpoint) : WebhookEndpointCommand;

public sealed record DeleteWebhookEndpoint : WebhookEndpointCommand
{
    public static readonly DeleteWebhookEndpoint Instance = new();
}

public sealed record GetWebhookEndpoint : WebhookEndpointCommand
{
    public static readonly GetWebhookEndpoint Instance = new();
}
