using System.Text.Json.Serialization;
using Pipeline.Actors.Webhooks;

namespace Pipeline.Actors.Entities.WebhookEndpoints;

/// <summary>What happened to a webhook endpoint. The discriminators are the names stored in the journal: never rename them.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(WebhookEndpointCreated), "WebhookEndpointCreated")]
[JsonDerivedType(typeof(WebhookEndpointDeleted), "WebhookEndpointDeleted")]
public abstract record WebhookEndpointEvent(DateTimeOffset At);

public sealed record WebhookEndpointCreated(WebhookEndpoint Endpoint, DateTimeOffset At) : WebhookEndpointEvent(At);

/// <summary>Deleted for good: its pending deliveries become dead, and it gets no new ones.</summary>
public sealed record WebhookEndpointDeleted(DateTimeOffset At) : WebhookEndpointEvent(At);
