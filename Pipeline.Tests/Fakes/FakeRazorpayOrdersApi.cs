using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Fakes;

/// <summary>
/// A local stand-in for Razorpay's Orders API on 127.0.0.1: <c>POST {BaseUrl}/orders</c> with HTTP Basic
/// <c>key_id:key_secret</c> and <c>{"amount", "currency", "receipt", ...}</c>, answered with Razorpay's order entity
/// (<c>{"id": "order_...", "entity": "order", "status": "created", ...}</c>) or its error envelope
/// (<c>{"error": {"code", "description", ...}}</c>): 401 for wrong credentials, 400 for an amount under 1.00, a currency
/// that is not three letters or a receipt over 40 characters (razorpay.com/docs/api/orders/create, .../orders/entity).
/// Every request is recorded as it arrived, so tests check what was sent, not what the client meant to send.
/// </summary>
public sealed class FakeRazorpayOrdersApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _expectedAuthorization;
    private readonly ConcurrentQueue<string> _nextOrderIds = new();
    private readonly ConcurrentQueue<int> _failures = new();

    private FakeRazorpayOrdersApi(WebApplication app, string keyId, string keySecret)
    {
        _app = app;
        // Basic credentials as RFC 7617 builds them, written out here rather than taken from the code under test.
        _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{keyId}:{keySecret}"));
    }

    /// <summary>What a host's <c>Pipeline:Razorpay:BaseUrl</c> is set to (ends in <c>/v1</c>, as Razorpay's does).</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Every request that reached <c>/v1/orders</c>, in order, refused ones included.</summary>
    public ConcurrentQueue<OrdersApiRequest> Requests { get; } = new();

    /// <summary>Orders created (answered 200), in order.</summary>
    public ConcurrentQueue<CreatedOrder> Orders { get; } = new();

    public static async Task<FakeRazorpayOrdersApi> StartAsync(string keyId, string keySecret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeRazorpayOrdersApi(app, keyId, keySecret);
        app.MapPost("/v1/orders", fake.CreateOrderAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1";
        return fake;
    }

    /// <summary>The next order created gets this id (e.g. a test vector's), instead of a random one.</summary>
    public void NextOrderId(string orderId) => _nextOrderIds.Enqueue(orderId);

    /// <summary>The next calls fail with this HTTP status and Razorpay's error envelope, in order.</summary>
    public void FailNext(int status, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _failures.Enqueue(status);
        }
    }

    private async Task<IResult> CreateOrderAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var authorization = request.Headers.Authorization.ToString();
        Requests.Enqueue(new OrdersApiRequest(authorization, request.ContentType, body));

        if (_failures.TryDequeue(out var status))
        {
            return Error(status, status >= 500 ? "SERVER_ERROR" : "BAD_REQUEST_ERROR", "Scripted failure", null);
        }
        if (authorization != _expectedAuthorization)
        {
            return Error(401, "BAD_REQUEST_ERROR", "Authentication failed", null);
        }
        JsonElement order;
        try
        {
            order = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return Error(400, "BAD_REQUEST_ERROR", "The request body is not valid JSON", null);
        }
        if (order.ValueKind != JsonValueKind.Object
            || !order.TryGetProperty("amount", out var amountElement) || amountElement.ValueKind != JsonValueKind.Number || !amountElement.TryGetInt64(out var amount))
        {
            return Error(400, "BAD_REQUEST_ERROR", "The amount field is required.", "amount");
        }
        var currency = order.TryGetProperty("currency", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            return Error(400, "BAD_REQUEST_ERROR", "The currency must be a 3-letter ISO code.", "currency");
        }
        if (amount < 100)
        {
            return Error(400, "BAD_REQUEST_ERROR", $"The amount must be at least {currency} 1.00", "amount");
        }
        var receipt = order.TryGetProperty("receipt", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (receipt is { Length: > 40 })
        {
            return Error(400, "BAD_REQUEST_ERROR", "receipt: the length must be no more than 40.", "receipt");
        }

        var id = _nextOrderIds.TryDequeue(out var scripted) ? scripted : "order_" + RandomId();
        Orders.Enqueue(new CreatedOrder(id, amount, currency, receipt));
        return Results.Ok(new
        {
            id,
            entity = "order",
            amount,
            amount_paid = 0,
            amount_due = amount,
            currency,
            receipt,
            offer_id = (string?)null,
            status = "created",
            attempts = 0,
            notes = Array.Empty<string>(),
            created_at = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        });
    }

    private static IResult Error(int status, string code, string description, string? field) => Results.Json(
        new { error = new { code, description, source = "NA", step = "NA", reason = "NA", metadata = new { }, field } },
        statusCode: status);

    /// <summary>14 alphanumerics, the length of Razorpay's ids after the prefix.</summary>
    private static string RandomId() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 14);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <param name="Authorization">The <c>Authorization</c> header exactly as sent.</param>
/// <param name="Body">The raw request body.</param>
public sealed record OrdersApiRequest(string Authorization, string? ContentType, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

public sealed record CreatedOrder(string Id, long Amount, string Currency, string? Receipt);
