using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Pipeline.Host.Operations.RateLimiting;

/// <summary>
/// One named policy of the rate limiting middleware: a partition per client, each backed by the policy's
/// <see cref="SlidingWindow"/>. Also arranges the <c>X-RateLimit-*</c> headers for every response under the
/// policy, allowed or refused, from the window's numbers as the response starts.
/// </summary>
internal sealed class ClientRateLimitPolicy(SlidingWindow window, ClientKey clients, TimeProvider time) : IRateLimiterPolicy<string>
{
    private static readonly object HeadersRegistered = new();

    public SlidingWindow Window => window;

    /// <summary>Refusals are answered by <see cref="RateLimitingSetup"/>'s OnRejected for all policies alike.</summary>
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var client = clients.Of(httpContext);
        // The middleware asks for the partition again when a first attempt is refused: register the headers once.
        if (httpContext.Items.TryAdd(HeadersRegistered, client))
        {
            httpContext.Response.OnStarting(static state =>
            {
                var (context, window, client) = ((HttpContext, SlidingWindow, string))state;
                WriteHeaders(context.Response, window.Peek(client));
                return Task.CompletedTask;
            }, (httpContext, window, client));
        }
        return RateLimitPartition.Get(client, key => new WindowLimiter(window, key, time));
    }

    public static void WriteHeaders(HttpResponse response, WindowState state)
    {
        response.Headers["X-RateLimit-Limit"] = state.Limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Remaining"] = Math.Max(0, state.Remaining).ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Reset"] = state.Reset.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The middleware's limiter for one client: holds nothing itself, so the middleware may drop it when idle
    /// while the window (the one source of truth) keeps counting.
    /// </summary>
    private sealed class WindowLimiter(SlidingWindow window, string client, TimeProvider time) : RateLimiter
    {
        private long _lastUsed = time.GetTimestamp();

        public override TimeSpan? IdleDuration => time.GetElapsedTime(Interlocked.Read(ref _lastUsed));

        public override RateLimiterStatistics? GetStatistics() => new()
        {
            CurrentAvailablePermits = Math.Max(0, window.Peek(client).Remaining),
        };

        protected override RateLimitLease AttemptAcquireCore(int permitCount)
        {
            Interlocked.Exchange(ref _lastUsed, time.GetTimestamp());
            if (permitCount == 0)
            {
                var peek = window.Peek(client);
                return new WindowLease(peek with { Acquired = peek.Remaining > 0 }, time);
            }
            if (permitCount != 1)
            {
                throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, "A request takes one permit.");
            }
            return new WindowLease(window.TryAcquire(client), time);
        }

        /// <summary>No queue: a refused request is answered at once with when to come back.</summary>
        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AttemptAcquireCore(permitCount));
    }

    /// <summary>A lease that carries <see cref="MetadataName.RetryAfter"/> when refused, like the built-in limiters.</summary>
    private sealed class WindowLease(WindowState state, TimeProvider time) : RateLimitLease
    {
        public override bool IsAcquired => state.Acquired;

        public override IEnumerable<string> MetadataNames => state.Acquired ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (!state.Acquired && metadataName == MetadataName.RetryAfter.Name)
            {
                var wait = state.Reset - time.GetUtcNow();
                metadata = wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
