using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Pipeline.Streams.Telemetry;

namespace Pipeline.Host.Operations.Tracing;

/// <summary>
/// Traces of a payment: the HTTP request (ASP.NET Core), its entity asks (<see cref="PipelineTracing"/>), and, from the
/// work queue later, each WhatsApp and webhook send with its HTTP calls. Exported over OTLP only when an endpoint is
/// configured (<c>Pipeline:Telemetry:OtlpEndpoint</c>, or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); otherwise
/// no tracer provider exists, nothing listens to the sources and no span is made.
/// </summary>
internal static class TracingSetup
{
    public const string OtlpEndpointKey = "Pipeline:Telemetry:OtlpEndpoint";
    public const string StandardOtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddPipelineTracing(this IServiceCollection services, IConfiguration configuration)
    {
        // What a trace holds, whichever tracer provider is built: the OTLP one below, or a test's in-memory one.
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(PipelineTracing.SourceName)
            .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbeOrScrape(context.Request.Path))
            .AddHttpClientInstrumentation());

        var pipelineEndpoint = configuration[OtlpEndpointKey];
        var standardEndpoint = configuration[StandardOtlpEndpointKey];
        if (string.IsNullOrWhiteSpace(pipelineEndpoint) && string.IsNullOrWhiteSpace(standardEndpoint))
        {
            return services; // off: no tracer provider, no listener
        }
        Uri? endpoint = null;
        if (!string.IsNullOrWhiteSpace(pipelineEndpoint)
            && (!Uri.TryCreate(pipelineEndpoint, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException($"{OtlpEndpointKey} must be an http(s) URI such as http://collector:4317 (it is '{pipelineEndpoint}').");
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("pipeline",
                serviceInstanceId: configuration["Pipeline:Node:Name"] is { Length: > 0 } node ? node : null))
            // The standard variables (endpoint, protocol, headers) are read by the exporter itself; our key wins.
            .WithTracing(tracing => tracing.AddOtlpExporter(options =>
            {
                if (endpoint is not null)
                {
                    options.Endpoint = endpoint;
                }
            }));
        return services;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.Ordinal) || path.StartsWithSegments(OperationsSetup.MetricsPath, StringComparison.Ordinal);
}
