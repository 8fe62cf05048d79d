using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pipeline.Host.Operations.Metrics;

namespace Pipeline.Host.Operations.Logging;

/// <summary>
/// The outermost middleware: gives the request its correlation id (echoed in <c>X-Correlation-Id</c> and in a
/// logging scope, so every log line of the request carries it), and when the request ends writes one structured
/// line (method, route pattern, status, elapsed ms) and records <c>pipeline_http_request_duration_seconds</c>.
/// </summary>
/// <remarks>
/// The line's level says whether an operator needs it (<see cref="RequestLogOptions"/>): a server error or a slow
/// request at Warning, one request in <see cref="RequestLogOptions.SampleOneIn"/> at Information, the rest at Debug,
/// probes and scrapes (<c>/health/*</c>, <c>/metrics</c>) at Trace; every request is measured. Requests that match no
/// endpoint get the route <c>unmatched</c>.
/// </remarks>
internal sealed class RequestTelemetryMiddleware(
    RequestDelegate next,
    HostInstruments instruments,
    IOptions<RequestLogOptions> options,
    ILogger<RequestTelemetryMiddleware> logger)
{
    public const string Unmatched = "unmatched";

    private readonly TimeSpan _slowAfter = options.Value.SlowAfter;
    private readonly int _sampleOneIn = options.Value.SampleOneIn;

    /// <summary>Requests seen, for the sample; wraps harmlessly.</summary>
    private int _seen;

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
            var level = LevelOf(route, context.Response.StatusCode, elapsed);
            if (logger.IsEnabled(level))
            {
                logger.Log(level, "HTTP {Method} {Route} responded {StatusCode} in {ElapsedMs} ms",
                    context.Request.Method, route, context.Response.StatusCode, Math.Round(elapsed.TotalMilliseconds, 2));
            }
        }
    }

    private LogLevel LevelOf(string route, int status, TimeSpan elapsed)
    {
        if (route.StartsWith("/health/", StringComparison.Ordinal) || route == OperationsSetup.MetricsPath)
        {
            return LogLevel.Trace;
        }
        if (status >= StatusCodes.Status500InternalServerError || elapsed >= _slowAfter)
        {
            return LogLevel.Warning;
        }
        return _sampleOneIn > 0 && (uint)Interlocked.Increment(ref _seen) % (uint)_sampleOneIn == 0
            ? LogLevel.Information
            : LogLevel.Debug;
    }

    private static string? RouteOf(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern
            ? (pattern.StartsWith('/') ? pattern : "/" + pattern)
            : null;
}
