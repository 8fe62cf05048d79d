using System.Diagnostics;
using Pipeline.Host.Operations.Metrics;

namespace Pipeline.Host.Operations.Logging;

/// <summary>
/// The outermost middleware: gives the request its correlation id (echoed in <c>X-Correlation-Id</c> and in a
/// logging scope, so every log line of the request carries it), and when the request ends writes one structured
/// line (method, route pattern, status, elapsed ms) and records <c>pipeline_http_request_duration_seconds</c>.
/// </summary>
/// <remarks>
/// Probes and scrapes (<c>/health/*</c>, <c>/metrics</c>) log at Debug, so a scraper every few seconds does not
/// drown the request log; they are still measured. Requests that match no endpoint get the route <c>unmatched</c>.
/// </remarks>
internal sealed class RequestTelemetryMiddleware(RequestDelegate next, HostInstruments instruments, ILogger<RequestTelemetryMiddleware> logger)
{
    public const string Unmatched = "unmatched";

    public async Task InvokeAsync(HttpContext context)
    {
        var id = CorrelationId.Assign(context);
        context.Response.Headers[CorrelationId.Header] = id;
        var started = Stopwatch.GetTimestamp();
        // Routing ran before this middleware; the exception handler clears the endpoint when it re-executes, so read it now.
        var route = RouteOf(context);
        using var scope = logger.BeginScope(new CorrelationId.Scope(id));
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            route ??= RouteOf(context) ?? Unmatched;
            instruments.RecordRequest(context, route, elapsed);
            var level = route.StartsWith("/health/", StringComparison.Ordinal) || route == OperationsSetup.MetricsPath
                ? LogLevel.Debug
                : LogLevel.Information;
            if (logger.IsEnabled(level))
            {
                logger.Log(level, "HTTP {Method} {Route} responded {StatusCode} in {ElapsedMs} ms",
                    context.Request.Method, route, context.Response.StatusCode, Math.Round(elapsed.TotalMilliseconds, 2));
            }
        }
    }

    private static string? RouteOf(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern
            ? (pattern.StartsWith('/') ? pattern : "/" + pattern)
            : null;
}
