using System.Net;

namespace Pipeline.Streams.WhatsApp;

/// <summary>
/// Which failures are worth another attempt: network errors, timeouts, 429, 5xx, and the Graph codes that mean
/// "throttled" or "temporarily down". Any other 4xx (bad parameter, expired token, undeliverable) fails at once.
/// </summary>
public static class WhatsAppErrorClassifier
{
    /// <summary>1 unknown, 2 service down, 4 app rate limit, 80007 WABA rate limit, 130429 throughput, 131000 something went wrong, 131056 pair rate limit.</summary>
    public static readonly IReadOnlySet<int> RetryableGraphCodes = new HashSet<int> { 1, 2, 4, 80007, 130429, 131000, 131056 };

    public static bool IsRetryable(HttpStatusCode status, int? graphCode) =>
        (graphCode is { } code && RetryableGraphCodes.Contains(code))
        || status == HttpStatusCode.TooManyRequests
        || (int)status >= 500;
}
