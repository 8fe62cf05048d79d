using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Configuration;
using Pipeline.Host.Payments;

namespace Pipeline.Host.Api.Payments;

internal sealed record WebhookAck(string Status, string? RegistrationId = null, string? Error = null);

/// <summary>
/// Razorpay's server-to-server webhook. The signature is checked over the raw bytes (re-encoded JSON never
/// matches); <c>payment.captured</c> confirms like the client call; anything else is acknowledged and ignored.
/// </summary>
internal static class RazorpayWebhookEndpoints
{
    public const int MaxBodyBytes = 256 * 1024;
    public const string CapturedEvent = "payment.captured";

    public static void MapRazorpayWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/webhooks/razorpay", ReceiveAsync);
    }

    private static async Task<IResult> ReceiveAsync(
        HttpRequest request, IOptions<RazorpayOptions> razorpay, CapturedPaymentHandler handler, RecentIds seen, ILogger<WebhookAck> logger)
    {
        var ct = request.HttpContext.RequestAborted;
        var body = await ReadBodyAsync(request, ct);
        if (body is null)
        {
            return ApiProblem.Validation("body", $"The body is larger than {MaxBodyBytes} bytes.");
        }
        var signature = request.Headers["X-Razorpay-Signature"].ToString();
        if (!RazorpaySignature.IsValidWebhook(razorpay.Value.WebhookSecret, body, signature))
        {
            return ApiProblem.Create(StatusCodes.Status400BadRequest, ProblemCodes.InvalidSignature,
                "The webhook signature does not match.", "X-Razorpay-Signature must be the HMAC-SHA256 of the raw body with the webhook secret.");
        }

        var eventId = request.Headers["X-Razorpay-Event-Id"].ToString();
        if (eventId.Length > 0 && seen.Contains(eventId))
        {
            return Results.Ok(new WebhookAck("duplicate"));
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return ApiProblem.Validation("body", "The body is not valid JSON.");
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var type) || type.GetString() != CapturedEvent)
        {
            return Results.Ok(new WebhookAck("ignored"));
        }

        var entity = root.TryGetProperty("payload", out var payload) && payload.TryGetProperty("payment", out var payment)
            && payment.TryGetProperty("entity", out var e) ? e : default;
        var captured = CapturedPayment.From(entity);
        if (captured is null)
        {
            return ApiProblem.Validation("payload.payment.entity", "must carry id, order_id, amount, currency and status.");
        }

        var outcome = await handler.HandleAsync(captured, ct);
        if (outcome.Outcome == CapturedOutcome.Invalid)
        {
            // Acknowledged so Razorpay stops resending a payment we can never apply; operators see it in the log.
            logger.LogWarning("Razorpay payment {PaymentId} for order {OrderId} not applied: {Error}", captured.Id, captured.OrderId, outcome.Error);
        }
        if (eventId.Length > 0)
        {
            seen.Add(eventId);
        }
        return Results.Ok(new WebhookAck(outcome.Outcome, outcome.RegistrationId, outcome.Error));
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
