using System.Globalization;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;

namespace Pipeline.Host.Api.Webhooks;

/// <summary>An endpoint with its secret: the answer to its creation and to a read of that one endpoint (admin only).</summary>
internal sealed record WebhookEndpointResponse(string Id, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt)
{
    public static WebhookEndpointResponse From(WebhookEndpoint endpoint) =>
        new(endpoint.Id, endpoint.Url, endpoint.Events, endpoint.Secret, endpoint.CreatedAt);
}

/// <summary>An endpoint in a list: never with its secret.</summary>
internal sealed record WebhookEndpointSummary(string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt)
{
    public static WebhookEndpointSummary From(WebhookEndpoint endpoint) => new(endpoint.Id, endpoint.Url, endpoint.Events, endpoint.CreatedAt);
}

/// <summary>
/// One delivery of one message to one endpoint. <c>messageId</c> is the <c>webhook-id</c> the endpoint saw;
/// <c>attempts</c> counts attempts made (a lease lost with its node counts as one).
/// </summary>
internal sealed record DeliveryResponse(
    string Id, string MessageId, string Type, string Status, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt)
{
    public const string IdPrefix = "dlv_";

    public static DeliveryResponse From(WorkItemView item) => new(
        IdOf(item.Id), item.MessageId, item.Type, DeliveryStatuses.Of(item).Name(), DeliveryStatuses.AttemptsOf(item), item.LastStatus,
        item.LastError, item.NextAttemptAt, item.CreatedAt);

    public static string IdOf(long workItemId) => IdPrefix + workItemId.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseId(string id, out long workItemId)
    {
        workItemId = 0;
        return id.StartsWith(IdPrefix, StringComparison.Ordinal)
            && long.TryParse(id.AsSpan(IdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out workItemId)
            && workItemId > 0;
    }
}
