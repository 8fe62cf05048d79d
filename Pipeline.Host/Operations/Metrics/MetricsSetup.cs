using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using Pipeline.Streams.Telemetry;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>
/// The <c>Pipeline</c> meter through OpenTelemetry's SDK, served at <c>/metrics</c> by its Prometheus exporter. The
/// instruments are named as Prometheus names them already (<c>pipeline_processed_total</c>, <c>..._seconds</c> with
/// unit <c>s</c>), so the exporter's suffixes are already there; with no scope labels and no <c>target_info</c> the
/// exposition keeps the names and labels of README's list.
/// </summary>
internal static class MetricsSetup
{
    /// <summary>
    /// The runtime's own meter (GC collections and pause time, heap, thread pool, lock contention, CPU): one per process,
    /// so every host in a process reports the same numbers, which are the process's. A latency tail reads beside it.
    /// </summary>
    private const string RuntimeMeter = "System.Runtime";

    public static IServiceCollection AddPipelineMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(Configure);
        // OpenTelemetry listens to meters by name in the whole process; only this host's factory's meter is ours, so
        // hosts sharing a process (tests, benchmarks) never mix their numbers.
        services.ConfigureOpenTelemetryMeterProvider((sp, metrics) =>
        {
            var scope = sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
            metrics.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, scope) || instrument.Meter.Name == RuntimeMeter
                ? null : MetricStreamConfiguration.Drop);
        });
        return services;
    }

    private static void Configure(MeterProviderBuilder metrics)
    {
        metrics.AddMeter(PipelineMetrics.MeterName, RuntimeMeter)
            .AddPrometheusExporter(options =>
            {
                // The default strategy adds `_total` and unit suffixes only where a name lacks them: ours have them, so
                // the classic text keeps every name as it is, and OpenMetrics gets its family names (without `_total`).
                options.TranslationStrategy = PrometheusAspNetCoreTranslationStrategy.UnderscoreEscapingWithSuffixes;
                options.ScopeInfoEnabled = false;
                options.TargetInfoEnabled = false;
                // Every scrape shows every answer given before it (tests and operators compare two scrapes); a scrape
                // reads in-memory aggregates only, the storage-backed gauges are cached by their own readers.
                options.ScrapeResponseCacheDurationMilliseconds = 0;
            });
    }
}
