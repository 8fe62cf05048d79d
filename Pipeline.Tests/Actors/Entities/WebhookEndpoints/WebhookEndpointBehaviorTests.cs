using Pipeline.Actors.Entities.WebhookEndpoints;
using Pipeline.Actors.Runtime;
using Pipeline.Actors.Webhooks;

namespace Pipeline.Tests.Actors.Entities.WebhookEndpoints;

/// <summary>The webhook endpoint rules as pure functions: created once, deleted for good, projected with its deletion.</summary>
public sealed class WebhookEndpointBehaviorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly WebhookEndpoint Endpoint = new("ep_1", "https://hooks.example.com/in", ["registration.paid"], "whsec_c2VjcmV0", T0);

    private readonly WebhookEndpointBehavior _behavior = new();
    private readonly BehaviorJournal<WebhookEndpointState, WebhookEndpointCommand, WebhookEndpointEvent, WebhookEndpointReply> _entity;

    public WebhookEndpointBehaviorTests() => _entity = new(_behavior, "ep_1");

    [Fact]
    public void An_endpoint_is_created_once_under_its_entity_key()
    {
        var created = Assert.IsType<WebhookEndpointReply.Created>(Run(new CreateWebhookEndpoint(Endpoint with { Id = "ignored" }), T0).Reply);

        Assert.Equal(Endpoint, created.Endpoint);
        Assert.Equal(Endpoint, Assert.IsType<WebhookEndpointReply.AlreadyExists>(Run(new CreateWebhookEndpoint(Endpoint with { Url = "https://x.example" }), T0).Reply).Endpoint);
        Assert.Equal(Endpoint, Assert.IsType<WebhookEndpointReply.Current>(Run(GetWebhookEndpoint.Instance, T0).Reply).Endpoint);
        Assert.Single(_entity.Events);
    }

    [Fact]
    public void A_deleted_endpoint_is_gone_for_good_and_a_second_delete_changes_nothing()
    {
        Run(new CreateWebhookEndpoint(Endpoint), T0);

        Assert.IsType<WebhookEndpointReply.Deleted>(Run(DeleteWebhookEndpoint.Instance, T0.AddMinutes(1)).Reply);

        Assert.IsType<WebhookEndpointReply.NotFound>(Run(DeleteWebhookEndpoint.Instance, T0.AddMinutes(2)).Reply);
        Assert.IsType<WebhookEndpointReply.NotFound>(Run(GetWebhookEndpoint.Instance, T0).Reply);
        Assert.IsType<WebhookEndpointReply.AlreadyExists>(Run(new CreateWebhookEndpoint(Endpoint), T0).Reply);
        Assert.Equal(2, _entity.Events.Count);
        Assert.Equal([new WebhookEndpointView(Endpoint, T0.AddMinutes(1))], _behavior.Project(_entity.State, _entity.Events));
    }

    [Fact]
    public void An_endpoint_never_created_is_not_found_and_projects_nothing()
    {
        Assert.IsType<WebhookEndpointReply.NotFound>(Run(DeleteWebhookEndpoint.Instance, T0).Reply);
        Assert.IsType<WebhookEndpointReply.NotFound>(Run(GetWebhookEndpoint.Instance, T0).Reply);
        Assert.Empty(_entity.Events);
        Assert.Empty(_behavior.Project(_entity.State, []));
    }

    private Decision<WebhookEndpointEvent, WebhookEndpointReply> Run(WebhookEndpointCommand command, DateTimeOffset at) =>
        _entity.Run(command, at);
}
