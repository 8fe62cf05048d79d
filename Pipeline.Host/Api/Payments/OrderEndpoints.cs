using Microsoft.Extensions.Options;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;
using Pipeline.Actors.Runtime;
using Pipeline.Host.Api.Events;
using Pipeline.Host.Api.Members;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.Configuration;
using Pipeline.Host.Operations.RateLimiting;
using Pipeline.Host.Payments;

namespace Pipeline.Host.Api.Payments;

internal sealed record OrderResponse(string OrderId, string RegistrationId, Money Amount, string KeyId);

internal sealed record ConfirmResponse(RegistrationDocument Registration, bool Replayed);

/// <summary>The public payment flow: place an order, confirm its payment, read the registration.</summary>
internal static class OrderEndpoints
{
    public const int MaxIdLength = 100;

    public static void MapOrderEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/public/events/{eventId}/orders", PlaceOrderAsync).RequireRateLimiting(RateLimitingSetup.PublicWrites);
        app.MapPost("/api/public/events/{eventId}/confirm-payment", ConfirmAsync).RequireRateLimiting(RateLimitingSetup.PublicWrites);
        app.MapGet("/api/public/events/{eventId}/registrations/{registrationId}", GetRegistrationAsync).RequireRateLimiting(RateLimitingSetup.PublicReads);
    }

    private static async Task<IResult> PlaceOrderAsync(
        string eventId, HttpRequest request, PaymentLookups lookups,
        IOrderGateway gateway, RegistrationClient registrations, IOptions<RazorpayOptions> razorpay, ILogger<OrderResponse> logger)
    {
        var ct = request.HttpContext.RequestAborted;
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var memberId = body.String("memberId", MaxIdLength);
        if (!body.IsValid) return body.Problem();

        var fee = await lookups.EventAsync(eventId, ct);
        if (fee is null) return EventEndpoints.EventNotFound();
        if (await lookups.MemberAsync(memberId!, ct) is null) return MemberEndpoints.MemberNotFound();

        var registrationId = OpaqueId.New("reg");
        string orderId;
        try
        {
            orderId = await gateway.CreateOrderAsync(fee.FeeAmount, fee.FeeCurrency, registrationId, ct);
        }
        catch (Exception ex) when (ex is OrderGatewayException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Order creation failed for event {EventId}", eventId);
            return ApiProblem.Create(StatusCodes.Status502BadGateway, ProblemCodes.PaymentProviderUnavailable,
                "The payment provider could not create the order.", "Try again shortly.");
        }

        var reply = await registrations.AskAsync(
            RegistrationState.KeyOf(eventId, memberId!),
            new PlaceOrder(eventId, memberId!, registrationId, orderId, fee.FeeAmount, fee.FeeCurrency), ct);
        if (reply is RegistrationReply.OrderAccepted placed)
        {
            await lookups.PlacedAsync(placed.Order, ct);
        }
        return reply switch
        {
            RegistrationReply.OrderAccepted accepted => Results.Created(
                $"/api/public/events/{eventId}/registrations/{accepted.Registration.Id}",
                new OrderResponse(accepted.Order.OrderId, accepted.Registration.Id, new Money(fee.FeeAmount, fee.FeeCurrency), razorpay.Value.KeyId)),
            RegistrationReply.AlreadyPaid => AlreadyPaid(),
            _ => throw new InvalidOperationException($"Unexpected registration reply {reply.GetType().Name}."),
        };
    }

    private static async Task<IResult> ConfirmAsync(
        string eventId, HttpRequest request, PaymentLookups lookups,
        PaymentConfirmer confirmer, IOptions<RazorpayOptions> razorpay)
    {
        var ct = request.HttpContext.RequestAborted;
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var memberId = body.String("memberId", MaxIdLength);
        var orderId = body.String("razorpay_order_id", MaxIdLength);
        var paymentId = body.String("razorpay_payment_id", MaxIdLength);
        var signature = body.String("razorpay_signature", 128);
        if (!body.IsValid) return body.Problem();

        // The contract's order of checks is existence, then signature, then the order's binding. An order bound to this
        // event and member proves both exist (neither is ever deleted, and an order is only placed for existing ones), so
        // a signed confirmation of a matching order skips the two lookups: on a cold node each is a read.
        var signed = RazorpaySignature.IsValidPayment(razorpay.Value.KeySecret, orderId!, paymentId!, signature!);
        var order = signed ? await confirmer.FindOrderAsync(orderId!, ct) : null;
        if (order is null || order.EventId != eventId || order.MemberId != memberId)
        {
            if (await lookups.EventAsync(eventId, ct) is null) return EventEndpoints.EventNotFound();
            if (await lookups.MemberAsync(memberId!, ct) is null) return MemberEndpoints.MemberNotFound();
            if (!signed)
            {
                return ApiProblem.Create(StatusCodes.Status400BadRequest, ProblemCodes.InvalidSignature,
                    "The payment signature does not match.", "razorpay_signature must be the HMAC-SHA256 of order_id|payment_id.");
            }
            if (order is null) return OrderNotFound();
            return ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.OrderMismatch,
                "The order belongs to another event or member.");
        }

        var outcome = await confirmer.ConfirmAsync(order, paymentId!, amount: null, currency: null, ct);
        return outcome.Result switch
        {
            ConfirmResult.Confirmed => Results.Ok(new ConfirmResponse(RegistrationDocument.From(outcome.Registration!), Replayed: false)),
            ConfirmResult.Replayed => Results.Ok(new ConfirmResponse(RegistrationDocument.From(outcome.Registration!), Replayed: true)),
            ConfirmResult.AlreadyPaid => AlreadyPaid(),
            ConfirmResult.Conflict => ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.PaymentConflict,
                "This payment is already applied to another registration."),
            ConfirmResult.OrderNotFound => OrderNotFound(),
            _ => throw new InvalidOperationException($"Unexpected outcome {outcome.Result}."),
        };
    }

    private static async Task<IResult> GetRegistrationAsync(string eventId, string registrationId, IRegistrationReadModel registrations, CancellationToken ct)
    {
        var registration = await registrations.GetAsync(registrationId, ct);
        return registration is null || registration.EventId != eventId
            ? ApiProblem.NotFound(ProblemCodes.RegistrationNotFound, "The registration")
            : Results.Ok(RegistrationDocument.From(registration));
    }

    private static IResult OrderNotFound() => ApiProblem.NotFound(ProblemCodes.OrderNotFound, "The order");

    private static IResult AlreadyPaid() => ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.AlreadyPaid,
        "The registration is already paid.", "A further payment is kept as unapplied and refunded.");
}
