using Microsoft.Extensions.Options;
using Pipeline.Host.Configuration;
using Pipeline.Host.Payments;
using Pipeline.Tests.Fakes;

namespace Pipeline.Tests.Payments;

/// <summary>The Live order gateway on its own against the local Orders API: what it returns and how it fails.</summary>
public sealed class RazorpayOrderGatewayTests : IAsyncLifetime
{
    private const string KeyId = "rzp_test_GatewayUnit01";
    private const string KeySecret = "gateway-unit-key-secret";

    private FakeRazorpayOrdersApi _orders = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _orders = await FakeRazorpayOrdersApi.StartAsync(KeyId, KeySecret);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _orders.DisposeAsync();
    }

    [Fact]
    public async Task Returns_the_order_id_razorpay_created_for_the_amount()
    {
        _orders.NextOrderId("order_GatewayUnit001");

        var id = await Gateway(KeySecret).CreateOrderAsync(49900, "INR", "reg_unit", CancellationToken.None);

        Assert.Equal("order_GatewayUnit001", id);
        Assert.Equal(new CreatedOrder("order_GatewayUnit001", 49900, "INR", "reg_unit"), Assert.Single(_orders.Orders));
    }

    [Fact]
    public async Task Refused_credentials_fail_with_the_status_and_the_keys_to_check()
    {
        var error = await Assert.ThrowsAsync<OrderGatewayException>(() =>
            Gateway("wrong-secret").CreateOrderAsync(49900, "INR", "reg_unit", CancellationToken.None));

        Assert.Equal("Razorpay Orders API answered 401. Check Pipeline:Razorpay:KeyId and KeySecret: Razorpay refused them.", error.Message);
        Assert.Empty(_orders.Orders);
    }

    [Fact]
    public async Task A_server_error_fails_with_its_status()
    {
        _orders.FailNext(503);

        var error = await Assert.ThrowsAsync<OrderGatewayException>(() =>
            Gateway(KeySecret).CreateOrderAsync(49900, "INR", "reg_unit", CancellationToken.None));

        Assert.Equal("Razorpay Orders API answered 503.", error.Message);
    }

    private RazorpayOrderGateway Gateway(string keySecret) => new(_http, Options.Create(new RazorpayOptions
    {
        Mode = RazorpayOptions.LiveMode,
        BaseUrl = _orders.BaseUrl,
        KeyId = KeyId,
        KeySecret = keySecret,
        WebhookSecret = "unused",
    }));
}
