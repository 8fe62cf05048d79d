using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Pipeline.Host.Payments;

namespace Pipeline.Tests.Support;

/// <summary>Drives the public payment flow the way a checkout page and Razorpay would, through HTTP.</summary>
/// <remarks>
/// Signs with the production <see cref="RazorpaySignature"/> for convenience; that signer is itself pinned to values
/// computed outside the code base (<c>Payments/RazorpayTestVectors</c>), and the API is checked against them directly.
/// </remarks>
/// <param name="app">A <see cref="PipelineApp"/>, or one derived from it with <c>WithWebHostBuilder</c>.</param>
public sealed class PaymentScenario(WebApplicationFactory<Program> app)
{
    private readonly HttpClient _admin = AdminClient(app);
    private readonly HttpClient _public = app.CreateClient();

    public HttpClient Public => _public;
    public HttpClient Admin => _admin;

    public async Task<string> CreateEventAsync(long fee = 49900, string currency = "INR")
    {
        var response = await _admin.PostJsonAsync("/api/events", new
        {
            name = "Pipeline Conf",
            venue = "Bengaluru",
            startsAt = "2026-12-31T18:30:00Z",
            fee = new { amount = fee, currency },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    public async Task<string> CreateMemberAsync(string phone = "+919876543210")
    {
        var response = await _admin.PostJsonAsync("/api/members", new { name = "Asha", phone, email = "asha@example.com" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    public async Task<(string OrderId, string RegistrationId)> PlaceOrderAsync(string eventId, string memberId)
    {
        var response = await _public.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = await response.JsonAsync();
        return (order.GetProperty("orderId").GetString()!, order.GetProperty("registrationId").GetString()!);
    }

    /// <summary>Confirms, then waits until the journal projection has applied it (outbox, work items, read side).</summary>
    public async Task<HttpResponseMessage> ConfirmAsync(string eventId, string memberId, string orderId, string paymentId, string? signature = null)
    {
        var response = await _public.PostJsonAsync($"/api/public/events/{eventId}/confirm-payment", new Dictionary<string, string>
        {
            ["memberId"] = memberId,
            ["razorpay_order_id"] = orderId,
            ["razorpay_payment_id"] = paymentId,
            ["razorpay_signature"] = signature ?? RazorpaySignature.ForPayment(PipelineApp.RazorpayKeySecret, orderId, paymentId),
        });
        await PipelineApp.ProjectedAsync(app);
        return response;
    }

    /// <summary>Sends Razorpay's webhook, then waits until the journal projection has applied what it caused.</summary>
    public async Task<HttpResponseMessage> SendWebhookAsync(string paymentId, string orderId, long amount, string currency = "INR",
        string status = "captured", string? eventId = null, string? signature = null, string type = "payment.captured")
    {
        var body = JsonSerializer.Serialize(new
        {
            entity = "event",
            account_id = "acc_test",
            @event = type,
            contains = new[] { "payment" },
            payload = new { payment = new { entity = new { id = paymentId, entity = "payment", amount, currency, status, order_id = orderId, captured = true } } },
            created_at = 1767225600,
        });
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/razorpay") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Razorpay-Signature", signature ?? RazorpaySignature.ForWebhook(PipelineApp.RazorpayWebhookSecret, Encoding.UTF8.GetBytes(body)));
        request.Headers.Add("X-Razorpay-Event-Id", eventId ?? "evt_" + Guid.NewGuid().ToString("N"));
        var response = await _public.SendAsync(request);
        await PipelineApp.ProjectedAsync(app);
        return response;
    }

    public async Task<JsonElement> GetEventAsync(string eventId) => await (await _public.GetAsync($"/api/events/{eventId}")).JsonAsync();

    private static HttpClient AdminClient(WebApplicationFactory<Program> app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PipelineApp.AdminKey);
        return client;
    }

    public static string NewPaymentId() => "pay_" + Guid.NewGuid().ToString("N")[..14];
}
