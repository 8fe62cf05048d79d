using Pipeline.Actors.Webhooks;

namespace Pipeline.Actors.Entities.WebhookEndpoints;

public abstract record WebhookEndpointReply
{
    public sealed record Created(WebhookEndpoint Endpoint) : WebhookEndpointReply;

    public sealed record AlreadyExists(WebhookEndpoint Endpoint) : WebhookEndpointReply;

    public sealed record Current(WebhookEndpoint Endpoint) : WebhookEndpointReply;

    public sealed record Deleted : WebhookEndpointReply;

    /// <summary>Never created through this entity, or deleted.</summary>
    public sealed record NotFound : WebhookEndpointReply;
}
