using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Host.Payments;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// A client of the whole cluster, as a client behind a load balancer sees it: a request goes to the node asked for
/// (round robin by the caller), and when that node cannot be reached (killed, stopping) the same request goes to the
/// next node that is up. Only requests that are safe to resend are sent this way: confirmations replay, consumes carry
/// an Idempotency-Key.
/// </summary>
public sealed class ClusterClient(ClusterFixture cluster)
{
    private int _failovers;

    /// <summary>Requests that could not reach their node and were sent to another one.</summary>
    public int Failovers => Volatile.Read(ref _failovers);

    /// <summary>Sends to node <paramref name="preferred"/>, or the next node up when it cannot be reached. Returns the response and the node that answered.</summary>
    public async Task<(HttpResponseMessage Response, int Node)> SendAsync(int preferred, Func<HttpRequestMessage> request)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < ClusterFixture.Size * 3; attempt++)
        {
            var node = (preferred + attempt) % ClusterFixture.Size;
            if (!cluster.IsUp(node))
            {
                continue;
            }
            HttpClient client;
            try
            {
                client = cluster.Client(node);
            }
            catch (InvalidOperationException)
            {
                continue; // went down between the check and now
            }
            try
            {
                return (await client.SendAsync(request()), node);
            }
            catch (Exception error) when (error is HttpRequestException or ObjectDisposedException
                                              or TaskCanceledException { InnerException: not TimeoutException })
            {
                // Connection refused or reset: the node died or is stopping. The request may or may not have been applied.
                last = error;
                Interlocked.Increment(ref _failovers);
                await Task.Delay(20);
            }
        }
        throw new InvalidOperationException("No node of the cluster could be reached.", last);
    }

    public async Task<JsonElement> CreateAsync(int node, string path, object body)
    {
        var (response, _) = await SendAsync(node, () => Post(path, body));
        // 503 unavailable (shards still moving after a node left or came back) applied nothing: the contract says retry.
        for (var retry = 1; response.StatusCode == HttpStatusCode.ServiceUnavailable && retry <= 10; retry++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            (response, _) = await SendAsync(node, () => Post(path, body));
        }
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.JsonAsync();
    }

    public async Task<string> CreateEventAsync(int node, long fee = 9900) =>
        (await CreateAsync(node, "/api/events", new
        {
            name = "Cluster Conf", venue = "Pune", startsAt = "2027-03-01T09:00:00Z", fee = new { amount = fee, currency = "INR" },
        })).GetProperty("id").GetString()!;

    public async Task<string> CreateMemberAsync(int node, string phone) =>
        (await CreateAsync(node, "/api/members", new { name = "Member " + phone, phone })).GetProperty("id").GetString()!;

    /// <summary>Places an order (not resent on failure: a second order is not a replay of the first).</summary>
    public async Task<(string OrderId, string RegistrationId)> PlaceOrderAsync(int node, string eventId, string memberId)
    {
        var response = await cluster.Client(node).PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = await response.JsonAsync();
        return (order.GetProperty("orderId").GetString()!, order.GetProperty("registrationId").GetString()!);
    }

    public async Task<string> CreateBatchAsync(int node, long quantity) =>
        (await CreateAsync(node, "/api/batches", new { sku = "cluster-sku", quantity })).GetProperty("id").GetString()!;

    public static HttpRequestMessage Post(string path, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return request;
    }

    public static HttpRequestMessage Confirm(string eventId, string memberId, string orderId, string paymentId) =>
        Post($"/api/public/events/{eventId}/confirm-payment", new Dictionary<string, string>
        {
            ["memberId"] = memberId,
            ["razorpay_order_id"] = orderId,
            ["razorpay_payment_id"] = paymentId,
            ["razorpay_signature"] = RazorpaySignature.ForPayment(PipelineApp.RazorpayKeySecret, orderId, paymentId),
        });

    /// <summary>Razorpay's <c>payment.captured</c> webhook for the order, signed with the shared webhook secret.</summary>
    public static HttpRequestMessage Captured(string paymentId, string orderId, long amount, string eventId)
    {
        var body = JsonSerializer.Serialize(new
        {
            entity = "event",
            account_id = "acc_cluster",
            @event = "payment.captured",
            contains = new[] { "payment" },
            payload = new { payment = new { entity = new { id = paymentId, entity = "payment", amount, currency = "INR", status = "captured", order_id = orderId, captured = true } } },
            created_at = 1767225600,
        });
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/razorpay") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Razorpay-Signature", RazorpaySignature.ForWebhook(PipelineApp.RazorpayWebhookSecret, bytes));
        request.Headers.Add("X-Razorpay-Event-Id", eventId);
        return request;
    }

    public static HttpRequestMessage Consume(string batchId, long quantity, string idempotencyKey) =>
        Post($"/api/batches/{batchId}/consume", new { quantity }, idempotencyKey);

    /// <summary>503 <c>contention</c>: the command lost every append race to other nodes and nothing was applied.</summary>
    public static async Task<bool> IsContentionAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            return false;
        }
        var body = await response.Content.ReadAsStringAsync();
        return body.Contains("\"contention\"", StringComparison.Ordinal);
    }

    /// <summary>
    /// 503 <c>unavailable</c>: the entity could not be reached in time (its node just left or died and its shards are
    /// moving) and applied nothing; the contract lets a client resend it as it is.
    /// </summary>
    public static async Task<bool> IsUnavailableAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            return false;
        }
        var body = await response.Content.ReadAsStringAsync();
        return body.Contains("\"unavailable\"", StringComparison.Ordinal);
    }

    /// <summary>A phone number no other test uses, so WhatsApp messages can be counted per recipient.</summary>
    public static string NewPhone() => "+91" + RandomNumberGenerator.GetInt32(600_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture) + "0";
}
