using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.Operations.RateLimiting;
using Pipeline.Streams.Tickets;

namespace Pipeline.Host.Api.Tickets;

internal sealed record CheckInResponse(string RegistrationId, DateTimeOffset CheckedInAt, bool FirstCheckIn);

/// <summary>The ticket PDF, rendered on demand and never stored, and check-in by the ticket's signed token.</summary>
internal static class TicketEndpoints
{
    public static void MapTicketEndpoints(this IEndpointRouteBuilder app, RouteGroupBuilder admin)
    {
        app.MapGet("/api/public/events/{eventId}/registrations/{registrationId}/download-pdf", DownloadAsync).RequireRateLimiting(RateLimitingSetup.PublicReads);
        admin.MapPost("/api/events/{eventId}/check-in", CheckInAsync);
    }

    private static async Task<IResult> DownloadAsync(
        string eventId, string registrationId, HttpResponse response, IRegistrationReadModel registrations, TicketComposer composer, CancellationToken ct)
    {
        var registration = await registrations.GetAsync(registrationId, ct);
        if (registration is null || registration.EventId != eventId)
        {
            return ApiProblem.NotFound(ProblemCodes.RegistrationNotFound, "The registration");
        }
        if (registration.Status != RegistrationState.Paid)
        {
            return NotPaid();
        }
        var ticket = await composer.RenderAsync(registration, ct);
        if (ticket is null)
        {
            return ApiProblem.NotFound(ProblemCodes.RegistrationNotFound, "The registration's event or member");
        }
        response.Headers.CacheControl = "no-store";
        return Results.File(ticket.Pdf, TicketPdfRenderer.ContentType, ticket.FileName);
    }

    private static async Task<IResult> CheckInAsync(
        string eventId, HttpRequest request, TicketToken tokens, IRegistrationReadModel registrations, RegistrationClient runtime)
    {
        var ct = request.HttpContext.RequestAborted;
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var token = body.String("ticket", TicketToken.MaxLength);
        if (!body.IsValid) return body.Problem();

        // The signature proves the ticket without a database read; the read below only finds the entity's key.
        var claims = tokens.VerifyForEvent(token, eventId);
        var registration = claims is null ? null : await registrations.GetAsync(claims.RegistrationId, ct);
        if (registration is null || registration.EventId != eventId)
        {
            return ApiProblem.Create(StatusCodes.Status400BadRequest, ProblemCodes.InvalidTicket,
                "The ticket is not valid for this event.", "It may be forged, altered, or issued for another event.");
        }

        var reply = await runtime.AskAsync(RegistrationState.KeyOf(registration.EventId, registration.MemberId), new CheckIn(), ct);
        return reply switch
        {
            RegistrationReply.CheckedInNow now => Results.Ok(new CheckInResponse(now.Registration.Id, now.Registration.CheckedInAt!.Value, FirstCheckIn: true)),
            RegistrationReply.AlreadyCheckedIn already => ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.AlreadyCheckedIn,
                "The ticket was already checked in.", $"First checked in at {already.CheckedInAt:O}.",
                new Dictionary<string, object?> { ["checkedInAt"] = already.CheckedInAt, ["registrationId"] = registration.Id }),
            RegistrationReply.NotPaid => NotPaid(),
            _ => throw new InvalidOperationException($"Unexpected registration reply {reply.GetType().Name}."),
        };
    }

    private static IResult NotPaid() => ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.NotPaid, "The registration is not paid.");
}
