using System.Net;
using System.Text;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Payments;

public sealed class SqliteLiveOrderGatewayApiTests() : LiveOrderGatewayApiContract(new SqliteTestDatabase());

public sealed class PostgresLiveOrderGatewayApiTests() : LiveOrderGatewayApiContract(new PostgresTestDatabase());

/// <summary>
/// <c>Pipeline:Razorpay:Mode=Live</c>: <c>POST /api/public/events/{id}/orders</c> creates the order through Razorpay's
/// Orders API (a local fake that checks credentials and fields as Razorpay does) and binds the registration to the id
/// Razorpay returned; when Razorpay refuses or fails, the client gets a problem and nothing is created.
/// </summary>
public abstract class LiveOrderGatewayApiContract(TestDatabase database) : IAsyncLifetime
{
    private const string KeyId = "rzp_test_LiveGateway01";
    private const string KeySecret = PipelineApp.RazorpayKeySecret;

    private FakeRazorpayOrdersApi _orders = null!;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        _orders = await FakeRazorpayOrdersApi.StartAsync(KeyId, KeySecret);
    }

    public async Task DisposeAsync()
    {
        await _orders.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task An_order_is_created_by_the_orders_api_with_basic_auth_and_bound_to_the_id_it_returns()
    {
        await using var app = LiveRazorpayApp.Start(database, _orders, KeyId, KeySecret, PipelineApp.RazorpayWebhookSecret);
        var flow = new PaymentScenario(app);
        var eventId = await flow.CreateEventAsync(fee: 129900, currency: "INR");
        var memberId = await flow.CreateMemberAsync();

        var response = await flow.Public.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = await response.JsonAsync();
        var created = Assert.Single(_orders.Orders);
        Assert.Equal(created.Id, order.GetProperty("orderId").GetString());
        Assert.Equal(KeyId, order.GetProperty("keyId").GetString());
        var registrationId = order.GetProperty("registrationId").GetString()!;
        var request = Assert.Single(_orders.Requests);
        // Written out from RFC 7617 here, not taken from the gateway: Basic base64("key_id:key_secret").
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("rzp_test_LiveGateway01:" + PipelineApp.RazorpayKeySecret)), request.Authorization);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal(129900, request.Json.GetProperty("amount").GetInt64());
        Assert.Equal("INR", request.Json.GetProperty("currency").GetString());
        Assert.Equal(registrationId, request.Json.GetProperty("receipt").GetString());

        // The order is really bound: paying Razorpay's order id pays this registration.
        var paid = await flow.ConfirmAsync(eventId, memberId, created.Id, PaymentScenario.NewPaymentId());
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Equal(registrationId, (await paid.JsonAsync()).GetProperty("registration").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData(401, false)] // the host's key secret is not the account's: Razorpay answers 401 itself
    [InlineData(500, true)]
    [InlineData(503, true)]
    public async Task A_razorpay_error_is_a_502_problem_and_creates_nothing(int razorpayStatus, bool scripted)
    {
        var hostSecret = scripted ? KeySecret : "not-the-account-key-secret";
        await using var app = LiveRazorpayApp.Start(database, _orders, KeyId, hostSecret, PipelineApp.RazorpayWebhookSecret);
        var flow = new PaymentScenario(app);
        var eventId = await flow.CreateEventAsync();
        var memberId = await flow.CreateMemberAsync();
        if (scripted)
        {
            _orders.FailNext(razorpayStatus);
        }

        var response = await flow.Public.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal("payment_provider_unavailable", problem.GetProperty("code").GetString());
        Assert.Equal(502, problem.GetProperty("status").GetInt32());
        var text = problem.GetRawText();
        Assert.DoesNotContain(hostSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Authentication failed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Scripted failure", text, StringComparison.Ordinal);
        Assert.Single(_orders.Requests);
        Assert.Empty(_orders.Orders);
        var registrations = await (await flow.Admin.GetAsync($"/api/events/{eventId}/registrations")).JsonAsync();
        Assert.Equal(0, registrations.GetProperty("items").GetArrayLength());
    }
}
