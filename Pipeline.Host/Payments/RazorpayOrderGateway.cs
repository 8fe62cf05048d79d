using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Payments;

/// <summary><c>Pipeline:Razorpay:Mode=Live</c>: <c>POST {BaseUrl}/orders</c> with Basic <c>KeyId:KeySecret</c>.</summary>
internal sealed class RazorpayOrderGateway(HttpClient http, IOptions<RazorpayOptions> options) : IOrderGateway
{
    public async Task<string> CreateOrderAsync(long amount, string currency, string receipt, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.BaseUrl.TrimEnd('/') + "/orders")
        {
            Content = JsonContent.Create(new OrderRequest(amount, currency, receipt)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(settings.KeyId + ":" + settings.KeySecret)));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        using var response = await http.SendAsync(request, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            // Razorpay's error body can echo request data; keep it out of our responses, log only the status.
            var hint = response.StatusCode == System.Net.HttpStatusCode.Unauthorized
                ? $" Check {RazorpayOptions.Section}:KeyId and KeySecret: Razorpay refused them."
                : "";
            throw new OrderGatewayException($"Razorpay Orders API answered {(int)response.StatusCode}.{hint}");
        }
        var order = await response.Content.ReadFromJsonAsync<OrderResponse>(timeout.Token);
        return order?.Id is { Length: > 0 } id ? id : throw new OrderGatewayException("Razorpay Orders API answered without an order id.");
    }

    private sealed record OrderRequest(
        [property: JsonPropertyName("amount")] long Amount,
        [property: JsonPropertyName("currency")] string Currency,
        [property: JsonPropertyName("receipt")] string Receipt);

    private sealed record OrderResponse([property: JsonPropertyName("id")] string? Id);
}

public sealed class OrderGatewayException(string message) : Exception(message);
