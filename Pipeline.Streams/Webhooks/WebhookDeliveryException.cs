namespace Pipeline.Streams.Webhooks;

/// <summary>
/// A failed delivery attempt: a non-2xx answer (<see cref="Status"/>), a timeout or a connection that could not be made
/// (no status). <see cref="CountsAgainstEndpoint"/> says whether it tells about the endpoint's health (timeouts,
/// connection failures, 408, 429, 5xx) rather than about this one message (any other 4xx, 3xx), so only those open
/// the endpoint's circuit.
/// </summary>
public sealed class WebhookDeliveryException(string message, int? status, bool countsAgainstEndpoint, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int? Status { get; } = status;

    public bool CountsAgainstEndpoint { get; } = countsAgainstEndpoint;

    /// <summary>The endpoint's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>410 Gone: the endpoint says it will never take this again; retrying is pointless.</summary>
    public bool IsGone => Status == 410;

    public static bool IsEndpointFailure(int status) => status is 408 or 429 or >= 500;
}
