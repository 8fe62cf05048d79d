using Pipeline.Actors.Entities.WebhookEndpoints;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Runtime;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Pipeline.Host.Api.Paging;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.ReadSide;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Host.Api.Webhooks;

/// <summary>
/// Webhook endpoints (admin): create (the only answer besides a read of one endpoint that shows the secret), list,
/// read, delete; the deliveries to an endpoint, by status, and a manual retry of one.
/// </summary>
internal static class WebhookEndpointRoutes
{
    public const int MaxUrlLength = 2048;
    private const string IdPrefix = "ep";

    public static void MapWebhookEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/api/webhook-endpoints", CreateAsync);
        admin.MapGet("/api/webhook-endpoints", ListAsync);
        admin.MapGet("/api/webhook-endpoints/{id}", GetAsync);
        admin.MapDelete("/api/webhook-endpoints/{id}", DeleteAsync);
        admin.MapGet("/api/webhook-endpoints/{id}/deliveries", ListDeliveriesAsync);
        admin.MapPost("/api/webhook-endpoints/{id}/deliveries/{deliveryId}/retry", RetryAsync);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, WebhookEndpointClient endpoints, WebhookAddressGuard guard, TimeProvider time)
    {
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var url = body.String("url", MaxUrlLength);
        var events = body.Strings("events", WebhookEventTypes.All.Count * 4, 100);
        foreach (var unknown in (events ?? []).Where(e => !WebhookEventTypes.IsKnown(e)).Distinct())
        {
            body.AddError("events", $"'{unknown}' is not an event type; use {string.Join(", ", WebhookEventTypes.All)}.");
        }
        if (!body.IsValid) return body.Problem();

        if (await guard.CheckUrlAsync(url!, request.HttpContext.RequestAborted) is { } reason)
        {
            return ApiProblem.Create(StatusCodes.Status400BadRequest, ProblemCodes.InvalidUrl, "The URL cannot receive webhooks.", "url " + reason,
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["url"] = [reason] } });
        }

        // Subscriptions in the contract's order, each once.
        var subscribed = WebhookEventTypes.All.Where(events!.Contains).ToList();
        var endpoint = new WebhookEndpoint(OpaqueId.New(IdPrefix), url!, subscribed, WebhookSigner.NewSecret(), time.GetUtcNow());
        var reply = await endpoints.AskAsync(endpoint.Id, new CreateWebhookEndpoint(endpoint), request.HttpContext.RequestAborted);
        return reply is WebhookEndpointReply.Created created
            ? Results.Created($"/api/webhook-endpoints/{endpoint.Id}", WebhookEndpointResponse.From(created.Endpoint))
            : throw new InvalidOperationException($"A new endpoint id was answered {reply.GetType().Name}.");
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IWebhookStore store, ReadSideCatchUp catchUp, CancellationToken ct)
    {
        if (!PageRequest.TryParse(request, out var page, out var problem)) return problem!;
        await catchUp.WaitAsync(ct);
        var rows = await store.ListAsync(page.AfterPosition, page.Limit + 1, ct);
        return Results.Ok(Page<WebhookEndpointSummary>.From(rows, page.Limit, r => r.Position, r => WebhookEndpointSummary.From(r.Endpoint)));
    }

    private static async Task<IResult> GetAsync(string id, IWebhookStore store, ReadSideCatchUp catchUp, CancellationToken ct) =>
        await FindAsync(id, store, catchUp, ct) is { } endpoint ? Results.Ok(WebhookEndpointResponse.From(endpoint)) : EndpointNotFound();

    /// <summary>
    /// The endpoint's entity deletes it; the answer waits until the read side has applied that (the endpoint's row
    /// deleted, its pending deliveries dead), so nothing is delivered to it once the delete is answered. An endpoint
    /// created before endpoints were entities has no history: once the read side has caught up, its row is deleted
    /// directly.
    /// </summary>
    private static async Task<IResult> DeleteAsync(string id, WebhookEndpointClient endpoints, IWebhookStore store, ReadSideCatchUp catchUp,
        CancellationToken ct)
    {
        if (!IsEndpointId(id)) return EndpointNotFound();
        if (await endpoints.AskAsync(id, DeleteWebhookEndpoint.Instance, ct) is WebhookEndpointReply.Deleted)
        {
            await catchUp.WaitAsync(ct);
            return Results.NoContent();
        }
        await catchUp.WaitAsync(ct, force: true);
        return await store.DeleteAsync(id, ct) ? Results.NoContent() : EndpointNotFound();
    }

    private static async Task<IResult> ListDeliveriesAsync(string id, HttpRequest request, IWebhookStore store, ReadSideCatchUp catchUp,
        CancellationToken ct)
    {
        if (!PageRequest.TryParse(request, out var page, out var problem)) return problem!;
        DeliveryStatus? status = null;
        var statusText = request.Query["status"].ToString();
        if (statusText.Length > 0)
        {
            if (!DeliveryStatuses.TryParse(statusText, out var parsed))
            {
                return ApiProblem.Validation("status", $"must be one of {string.Join(", ", DeliveryStatuses.Names)}.");
            }
            status = parsed;
        }
        if (await FindAsync(id, store, catchUp, ct) is null) return EndpointNotFound();

        // Newest first: the cursor is the id of the last delivery shown; the next page starts below it.
        var before = page.AfterPosition == 0 ? long.MaxValue : page.AfterPosition;
        var rows = await store.ListDeliveriesAsync(id, status, before, page.Limit + 1, ct);
        return Results.Ok(Page<DeliveryResponse>.From(rows, page.Limit, r => r.Id, DeliveryResponse.From));
    }

    /// <summary>
    /// A delivered or dead delivery becomes pending and due now, keeping its attempts (so a retry of a dead one that
    /// fails is dead again at once: a manual retry schedules nothing further); one waiting for its next attempt is made
    /// due now; one in flight is left to its attempt.
    /// </summary>
    private static async Task<IResult> RetryAsync(
        string id, string deliveryId, IWebhookStore store, IStorage storage, ReadSideCatchUp catchUp, CancellationToken ct)
    {
        if (await FindAsync(id, store, catchUp, ct) is null) return EndpointNotFound();
        if (!DeliveryResponse.TryParseId(deliveryId, out var itemId) || await store.GetDeliveryAsync(id, itemId, ct) is not { } delivery)
        {
            return ApiProblem.NotFound(ProblemCodes.DeliveryNotFound, "The delivery");
        }
        if (delivery.State is "done" or "dead")
        {
            await storage.Work.RequeueAsync(OutboxRoutes.Deliveries, itemId, ct);
        }
        else
        {
            await store.MakeDueNowAsync(id, itemId, ct);
        }
        var now = await store.GetDeliveryAsync(id, itemId, ct) ?? delivery;
        return Results.Accepted(uri: null, DeliveryResponse.From(now));
    }

    /// <summary>From the read side, caught up with this node's writes (an endpoint created here a moment ago shows).</summary>
    private static async Task<WebhookEndpoint?> FindAsync(string id, IWebhookStore store, ReadSideCatchUp catchUp, CancellationToken ct)
    {
        if (!IsEndpointId(id)) return null;
        await catchUp.WaitAsync(ct);
        return await store.GetAsync(id, ct);
    }

    private static bool IsEndpointId(string id) => id.Length <= 64 && id.StartsWith(IdPrefix + "_", StringComparison.Ordinal);

    private static IResult EndpointNotFound() => ApiProblem.NotFound(ProblemCodes.WebhookEndpointNotFound, "The webhook endpoint");
}
