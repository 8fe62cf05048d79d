using System.Net.Http.Headers;
using Pipeline.Actors.Webhooks;

namespace Pipeline.Streams.Webhooks;

/// <summary>
/// One signed POST of one delivery, bounded by <see cref="WebhookOptions.AttemptTimeout"/>. Returns the 2xx status, or
/// throws <see cref="WebhookDeliveryException"/> for anything else. Connections go through
/// <see cref="WebhookAddressGuard.ConnectAsync"/>, never through a proxy (which would connect on our behalf, unchecked),
/// and redirects are not followed (a 3xx is a failed attempt, as Standard Webhooks says).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const string UserAgent = "Pipeline-Webhooks/1.0";

    private readonly HttpClient _client;
    private readonly TimeSpan _attemptTimeout;
    private readonly TimeProvider _time;

    public WebhookSender(WebhookOptions options, WebhookAddressGuard guard, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(guard);
        _attemptTimeout = options.AttemptTimeout;
        _time = time;
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = guard.ConnectAsync,
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            // Endpoints' DNS may change; a pooled connection is re-made (and re-checked) at least this often.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the attempt timeout below covers everything up to the response headers
        };
    }

    /// <summary>Sends the delivery once, signed for this attempt's time.</summary>
    public async ValueTask<int> SendAsync(DeliveryClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var item = claim.Item;
        using var activity = Telemetry.PipelineTracing.StartWebhookSend(item.MessageId, item.Type); // the POST is its child
        var body = WebhookPayload.Build(item.Type, item.CreatedAt, item.Data);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, claim.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.Add("webhook-id", item.MessageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigner.Sign(claim.Secret, item.MessageId, timestamp, body));

        // On the injected clock, like every other wait of the pipeline (a test moves a manual one past it).
        using var expiry = new CancellationTokenSource(_attemptTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return status;
            }
            throw new WebhookDeliveryException($"HTTP {status}", status, WebhookDeliveryException.IsEndpointFailure(status), RetryAfter(response));
        }
        catch (OperationCanceledException error) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new WebhookDeliveryException($"no response within {_attemptTimeout}", null, countsAgainstEndpoint: true, inner: error);
        }
        catch (HttpRequestException error)
        {
            var reason = error.InnerException is WebhookAddressRefusedException refused ? refused.Message : error.Message;
            throw new WebhookDeliveryException(reason, null, countsAgainstEndpoint: true, inner: error);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    public void Dispose() => _client.Dispose();
}
