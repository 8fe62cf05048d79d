using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Entities.WebhookEndpoints;

/// <summary>
/// A webhook endpoint as an entity: created once, read, deleted for good. Its single writer orders a delete after the
/// create it follows on every node; the read side (the endpoints table the webhooks pipeline fans out to) is projected
/// from its events, a delete also making the endpoint's pending deliveries dead.
/// </summary>
public sealed class WebhookEndpointBehavior
    : IEntityBehavior<WebhookEndpointState, WebhookEndpointCommand, WebhookEndpointEvent, WebhookEndpointReply>
{
    public string EntityType => "webhook-endpoint";

    public WebhookEndpointState Create(string key) => new(key, null, null);

    public Decision<WebhookEndpointEvent, WebhookEndpointReply> Decide(WebhookEndpointState state, WebhookEndpointCommand command, DateTimeOffset now) =>
        command switch
        {
            CreateWebhookEndpoint create when state.Endpoint is null =>
                Persist(new WebhookEndpointCreated(create.Endpoint with { Id = state.Key }, now),
                    new WebhookEndpointReply.Created(create.Endpoint with { Id = state.Key })),
            CreateWebhookEndpoint => Only(new WebhookEndpointReply.AlreadyExists(state.Endpoint)),
            DeleteWebhookEndpoint when state.IsLive => Persist(new WebhookEndpointDeleted(now), new WebhookEndpointReply.Deleted()),
            DeleteWebhookEndpoint => Only(new WebhookEndpointReply.NotFound()),
            GetWebhookEndpoint => Only(state.IsLive ? new WebhookEndpointReply.Current(state.Endpoint!) : new WebhookEndpointReply.NotFound()),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown webhook endpoint command"),
        };

    public WebhookEndpointState Apply(WebhookEndpointState state, WebhookEndpointEvent @event) => @event switch
    {
        WebhookEndpointCreated created => state with { Endpoint = created.Endpoint },
        WebhookEndpointDeleted deleted => state with { DeletedAt = deleted.At },
        _ => state,
    };

    public IReadOnlyList<object> Project(WebhookEndpointState state, IReadOnlyList<WebhookEndpointEvent> events) =>
        state.Endpoint is null ? [] : [new WebhookEndpointView(state.Endpoint, state.DeletedAt)];

    private static Decision<WebhookEndpointEvent, WebhookEndpointReply> Persist(WebhookEndpointEvent @event, WebhookEndpointReply reply) =>
        Decision<WebhookEndpointEvent, WebhookEndpointReply>.Persist(@event, reply);

    private static Decision<WebhookEndpointEvent, WebhookEndpointReply> Only(WebhookEndpointReply reply) =>
        Decision<WebhookEndpointEvent, WebhookEndpointReply>.Only(reply);
}
