using System.Text.RegularExpressions;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Records;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;
using Pipeline.Actors.Runtime;
using Pipeline.Host.Api.Paging;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.Operations.Caching;
using Pipeline.Host.Payments;
using Pipeline.Host.Operations.RateLimiting;

namespace Pipeline.Host.Api.Events;

/// <summary>Events: admin creates, anyone reads (with the attendee count and CDN cache headers); admin lists registrations.</summary>
internal static partial class EventEndpoints
{
    public const string PublicCacheControl = "public, max-age=60, stale-while-revalidate=300";
    public const long MaxFeeAmount = 1_000_000_000_000;
    private const string IdPrefix = "evt";

    public static void MapEventEndpoints(this IEndpointRouteBuilder app, RouteGroupBuilder admin)
    {
        admin.MapPost("/api/events", CreateAsync);
        app.MapGet("/api/events", ListAsync).RequireRateLimiting(RateLimitingSetup.PublicReads);
        app.MapGet("/api/events/{eventId}", GetAsync).RequireRateLimiting(RateLimitingSetup.PublicReads);
        admin.MapGet("/api/events/{eventId}/registrations", ListRegistrationsAsync);
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request, EventClient events, PaymentLookups lookups, TimeProvider time, EventReadCache cache)
    {
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var name = body.String("name", 200);
        var venue = body.String("venue", 200);
        var startsAt = body.Timestamp("startsAt");
        var fee = body.Object("fee");
        var amount = fee?.Integer("amount", 1, MaxFeeAmount);
        var currency = fee?.String("currency", 3);
        if (currency is not null && !CurrencyCode().IsMatch(currency))
        {
            fee!.AddError("currency", "must be an ISO 4217 code of three capital letters, e.g. INR.");
        }
        if (!body.IsValid) return body.Problem();

        var view = new EventView(OpaqueId.New(IdPrefix), name!, venue!, startsAt!.Value, amount!.Value, currency!, time.GetUtcNow());
        var reply = await events.AskAsync(view.Id, view, request.HttpContext.RequestAborted);
        cache.EvictLists();
        return reply is RecordReply<EventView>.Created created
            ? Results.Created($"/api/events/{view.Id}", EventResponse.From(lookups.Created(created.View), 0))
            : throw new InvalidOperationException("A new event id was already taken.");
    }

    private static async Task<IResult> GetAsync(string eventId, HttpResponse response, EventReadCache events, CancellationToken ct)
    {
        var summary = await events.GetAsync(eventId, ct);
        if (summary is null) return EventNotFound();
        response.Headers.CacheControl = PublicCacheControl;
        return Results.Ok(EventResponse.From(summary.Event, summary.AttendeeCount));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, HttpResponse response, EventReadCache events, CancellationToken ct)
    {
        if (!PageRequest.TryParse(request, out var page, out var problem)) return problem!;
        var rows = await events.ListAsync(page.AfterPosition, page.Limit + 1, ct);
        response.Headers.CacheControl = PublicCacheControl;
        return Results.Ok(Page<EventResponse>.From(rows, page.Limit, r => r.Position, r => EventResponse.From(r.Event.Event, r.Event.AttendeeCount)));
    }

    private static async Task<IResult> ListRegistrationsAsync(
        string eventId, HttpRequest request, IEventReadModel events, IRegistrationReadModel registrations, CancellationToken ct)
    {
        if (!PageRequest.TryParse(request, out var page, out var problem)) return problem!;
        var status = request.Query["status"].ToString();
        if (status.Length > 0 && status is not (RegistrationState.Pending or RegistrationState.Paid))
        {
            return ApiProblem.Validation("status", "must be pending or paid.");
        }
        if (await events.GetAsync(eventId, ct) is null) return EventNotFound();
        var rows = await registrations.ListByEventAsync(eventId, status.Length == 0 ? null : status, page.AfterPosition, page.Limit + 1, ct);
        return Results.Ok(Page<RegistrationDocument>.From(rows, page.Limit, r => r.Position, r => RegistrationDocument.From(r.Registration)));
    }

    public static IResult EventNotFound() => ApiProblem.NotFound(ProblemCodes.EventNotFound, "The event");

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyCode();
}
