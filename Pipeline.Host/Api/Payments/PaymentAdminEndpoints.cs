using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Api.Paging;
using Pipeline.Host.Payments;

namespace Pipeline.Host.Api.Payments;

internal sealed record UnappliedPaymentResponse(
    string PaymentId, string OrderId, string RegistrationId, string EventId, string MemberId, Money Amount, DateTimeOffset ReceivedAt);

/// <summary>Admin payment endpoints: unapplied payments (refunds due) and NDJSON reconciliation ingestion.</summary>
internal static class PaymentAdminEndpoints
{
    public static void MapPaymentAdminEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/api/admin/payments/unapplied", ListUnappliedAsync);
        admin.MapPost("/api/ingest/payments", IngestAsync);
    }

    private static async Task<IResult> ListUnappliedAsync(HttpRequest request, IRegistrationReadModel registrations, CancellationToken ct)
    {
        if (!PageRequest.TryParse(request, out var page, out var problem)) return problem!;
        var rows = await registrations.ListUnappliedPaymentsAsync(page.AfterPosition, page.Limit + 1, ct);
        return Results.Ok(Page<UnappliedPaymentResponse>.From(rows, page.Limit, r => r.Position, r => new UnappliedPaymentResponse(
            r.Payment.PaymentId, r.Payment.OrderId, r.Payment.RegistrationId, r.Payment.EventId, r.Payment.MemberId,
            new Money(r.Payment.Amount, r.Payment.Currency), r.Payment.At)));
    }

    private static async Task IngestAsync(HttpContext context, PaymentIngestion ingestion)
    {
        // Streams both ways: the body may be any size, so no body limit applies here.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-ndjson";
        await context.Response.StartAsync(context.RequestAborted);
        await ingestion.RunAsync(context.Request.BodyReader, context.Response.Body, context.RequestAborted);
    }
}
