using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Pipeline.Host.Operations.Caching;
using Pipeline.Host.Operations.Health;
using Pipeline.Host.Operations.Logging;
using Pipeline.Host.Operations.Metrics;
using Pipeline.Host.Operations.RateLimiting;
using Pipeline.Host.Operations.Tracing;
using Pipeline.Streams.Telemetry;

namespace Pipeline.Host.Operations;

/// <summary>
/// Running the service: rate limits, the event read cache, health, <c>/metrics</c>, request logs with a
/// correlation id. Program.cs calls the four extension methods below, in the order of their comments.
/// </summary>
internal static class OperationsSetup
{
    public const string MetricsPath = "/metrics";

    /// <summary>With the other services.</summary>
    public static WebApplicationBuilder AddPipelineOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddMetrics();
        services.TryAddSingleton<PipelineMetrics>();
        services.AddSingleton<QueueDepths>();
        services.AddSingleton<ClusterReadings>();
        services.AddSingleton<ProjectionLag>();
        services.AddSingleton<IPolledReading>(sp => sp.GetRequiredService<QueueDepths>());
        services.AddSingleton<IPolledReading>(sp => sp.GetRequiredService<ClusterReadings>());
        services.AddSingleton<IPolledReading>(sp => sp.GetRequiredService<ProjectionLag>());
        services.AddSingleton<HostInstruments>();
        services.AddPipelineMetrics();
        services.AddPipelineTracing(builder.Configuration);
        services.AddSingleton<EventReadCache>(sp => new EventReadCache(
            sp.GetRequiredService<Pipeline.Actors.ReadSide.IEventReadModel>(), sp.GetRequiredService<TimeProvider>()));
        services.AddPipelineRateLimiting();
        services.AddPipelineHealth();
        services.AddOptions<RequestLogOptions>().BindConfiguration(RequestLogOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<RequestLogOptions>, RequestLogOptionsValidator>();

        // Problems carry the request's correlation id next to the traceId that ProblemDetailsSetup adds.
        services.PostConfigure<ProblemDetailsOptions>(options =>
        {
            var customize = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                customize?.Invoke(context);
                if (CorrelationId.Of(context.HttpContext) is { } id)
                {
                    context.ProblemDetails.Extensions["correlationId"] = id;
                }
            };
        });

        // Logging:Console:FormatterName=json: one JSON object a line, with scopes (CorrelationId, TraceId) as properties.
        if (string.Equals(builder.Configuration["Logging:Console:FormatterName"], ConsoleFormatterNames.Json, StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat ??= "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }
        return builder;
    }

    /// <summary>First in the pipeline, before the exception handler, so every log line of a request has its scope.</summary>
    public static IApplicationBuilder UsePipelineRequestTelemetry(this IApplicationBuilder app)
    {
        // The instruments exist (and the meter provider listens) from now on, so no measurement before the first scrape is lost.
        app.ApplicationServices.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>();
        app.ApplicationServices.GetRequiredService<HostInstruments>();
        app.ApplicationServices.GetRequiredService<PipelineMetrics>().ExposeEveryOutcome();
        return app.UseMiddleware<RequestTelemetryMiddleware>();
    }

    /// <summary>After the exception handler and status code pages: refusals are answered by the limiter itself.</summary>
    public static IApplicationBuilder UsePipelineLimits(this IApplicationBuilder app) => app.UsePipelineRateLimiting();

    /// <summary>With the other endpoints: <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapPipelineOperations(this IEndpointRouteBuilder app)
    {
        app.MapPipelineHealth();
        // No admin key and no rate limit policy: scrapers call it as they always did.
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: scrape => scrape.Use(async (context, next) =>
        {
            // Readings of storage and the shard regions are taken at most every few seconds, before the exporter collects.
            await Task.WhenAll(context.RequestServices.GetServices<IPolledReading>().Select(r => r.RefreshIfStaleAsync(context.RequestAborted)));
            context.Response.Headers.CacheControl = "no-store";
            await next(context);
        }), optionsName: null);
        return app;
    }
}
