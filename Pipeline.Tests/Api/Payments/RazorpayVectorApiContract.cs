using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using V = Pipeline.Tests.Payments.RazorpayTestVectors;

namespace Pipeline.Tests.Api.Payments;

public sealed class SqliteRazorpayVectorApiTests() : RazorpayVectorApiContract(new SqliteTestDatabase());

public sealed class PostgresRazorpayVectorApiTests() : RazorpayVectorApiContract(new PostgresTestDatabase());

/// <summary>
/// The HTTP API accepts exactly the signatures computed outside the code base (<see cref="V"/>) and refuses them
/// changed by one character. The host runs in Live mode with the vectors' keys, and the local Orders API hands out
/// the vectors' order id, so the signed ids are the ones the host really bound. A database per test: the vectors'
/// payment id may be applied only once in a database.
/// </summary>
public abstract class RazorpayVectorApiContract(TestDatabase database) : IAsyncLifetime
{
    private FakeRazorpayOrdersApi _orders = null!;
    private PipelineApp _app = null!;
    private PaymentScenario _flow = null!;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        _orders = await FakeRazorpayOrdersApi.StartAsync(V.KeyId, V.KeySecret);
        _app = LiveRazorpayApp.Start(database, _orders, V.KeyId, V.KeySecret, V.WebhookSecret);
        _flow = new PaymentScenario(_app);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _orders.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task Confirm_payment_accepts_the_fixed_vector_and_refuses_it_changed_by_one_character()
    {
        var (eventId, memberId, registrationId) = await OrderForTheVectorAsync();

        var badSignature = await _flow.ConfirmAsync(eventId, memberId, V.OrderId, V.PaymentId, V.ChangeLast(V.PaymentSignature));
        var otherPayment = await _flow.ConfirmAsync(eventId, memberId, V.OrderId, V.ChangeLast(V.PaymentId), V.PaymentSignature);

        Assert.Equal(HttpStatusCode.BadRequest, badSignature.StatusCode);
        Assert.Equal("invalid_signature", (await badSignature.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, otherPayment.StatusCode);
        Assert.Equal("invalid_signature", (await otherPayment.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal("pending", (await RegistrationAsync(eventId, registrationId)).GetProperty("status").GetString());

        var accepted = await _flow.ConfirmAsync(eventId, memberId, V.OrderId, V.PaymentId, V.PaymentSignature);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var registration = (await accepted.JsonAsync()).GetProperty("registration");
        Assert.Equal(registrationId, registration.GetProperty("id").GetString());
        Assert.Equal("paid", registration.GetProperty("status").GetString());
        Assert.Equal(V.PaymentId, registration.GetProperty("paymentId").GetString());
        Assert.Equal(1, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());
    }

    [Fact]
    public async Task The_razorpay_webhook_accepts_the_fixed_raw_body_and_signature_and_refuses_a_one_character_change()
    {
        var (eventId, _, registrationId) = await OrderForTheVectorAsync();
        var amountChanged = V.WebhookBody.Replace("\"amount\": 49900", "\"amount\": 49901", StringComparison.Ordinal);

        var badSignature = await PostWebhookAsync(V.WebhookBody, V.ChangeLast(V.WebhookSignature));
        var badBody = await PostWebhookAsync(amountChanged, V.WebhookSignature);

        Assert.Equal(HttpStatusCode.BadRequest, badSignature.StatusCode);
        Assert.Equal("invalid_signature", (await badSignature.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badBody.StatusCode);
        Assert.Equal("invalid_signature", (await badBody.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal("pending", (await RegistrationAsync(eventId, registrationId)).GetProperty("status").GetString());
        Assert.Equal(0, (await _flow.GetEventAsync(eventId)).GetProperty("attendeeCount").GetInt64());

        var accepted = await PostWebhookAsync(V.WebhookBody, V.WebhookSignature);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var ack = await accepted.JsonAsync();
        Assert.Equal("confirmed", ack.GetProperty("status").GetString());
        Assert.Equal(registrationId, ack.GetProperty("registrationId").GetString());
        var registration = await RegistrationAsync(eventId, registrationId);
        Assert.Equal("paid", registration.GetProperty("status").GetString());
        Assert.Equal(V.PaymentId, registration.GetProperty("paymentId").GetString());
    }

    /// <summary>An event whose fee is the vectors' amount, a member, and an order whose id (from the Orders API) is the vectors'.</summary>
    private async Task<(string EventId, string MemberId, string RegistrationId)> OrderForTheVectorAsync()
    {
        var eventId = await _flow.CreateEventAsync(V.Amount, V.Currency);
        var memberId = await _flow.CreateMemberAsync();
        _orders.NextOrderId(V.OrderId);
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);
        Assert.Equal(V.OrderId, orderId);
        return (eventId, memberId, registrationId);
    }

    /// <summary>The body's exact bytes, never re-encoded, with the given signature.</summary>
    private Task<HttpResponseMessage> PostWebhookAsync(string body, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/razorpay")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { { "Content-Type", "application/json" } } },
        };
        request.Headers.Add("X-Razorpay-Signature", signature);
        request.Headers.Add("X-Razorpay-Event-Id", "evt_" + Guid.NewGuid().ToString("N"));
        return _flow.Public.SendAsync(request);
    }

    private async Task<JsonElement> RegistrationAsync(string eventId, string registrationId) =>
        await (await _flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
}
