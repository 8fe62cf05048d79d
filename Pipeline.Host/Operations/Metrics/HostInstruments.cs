using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.RateLimiting;
using Pipeline.Actors.Runtime;
using Pipeline.Actors.Work;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Telemetry;
using Polly.CircuitBreaker;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>
/// The host's instruments on the <c>Pipeline</c> meter: request durations and refusals (recorded by the request
/// middleware and the rate limiter), and observable views of the pipelines, queues, entity runtimes and build.
/// Labels are bounded: route patterns (never raw paths), methods, status codes, pipeline, queue and entity names.
/// </summary>
internal sealed class HostInstruments
{
    public static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
    };

    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _rateLimited;

    public HostInstruments(
        PipelineMetrics metrics, PipelineRegistry pipelines, QueueDepths depths,
        Pipeline.Host.Engine.EngineCounters engine, ClusterReadings cluster, ProjectionLag projectionLag, OwnedWorkPartitions partitions)
    {
        var meter = metrics.Meter;
        _requestDuration = meter.CreateHistogram("pipeline_http_request_duration_seconds", unit: "s",
            description: "HTTP request duration by route pattern, method and status code.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _rateLimited = meter.CreateCounter<long>("pipeline_http_rate_limited_total",
            description: "Requests refused with 429 by rate limit policy.");

        meter.CreateObservableGauge("pipeline_queue_depth", () => QueueDepthOf(pipelines, depths),
            description: "Work ready to start per pipeline: due, unleased items of its storage queues (tickets: tickets; " +
                "webhooks: webhooks and deliveries); whatsapp is fed in memory by tickets and counts its buffered items.");
        meter.CreateObservableGauge("pipeline_queue_items", () => QueueItems(depths),
            description: "Work items per storage queue and state (ready, scheduled, leased, dead); refreshed at most every 2 s.");
        meter.CreateObservableGauge("pipeline_in_flight", () => PerPipeline(pipelines, c => c.Counters.InFlight),
            description: "Items a pipeline step is working on now.");
        meter.CreateObservableCounter("pipeline_processed_total", () => PerPipeline(pipelines, c => c.Counters.Processed),
            description: "Items whose pipeline step succeeded, since this process started.");
        meter.CreateObservableCounter("pipeline_failed_total", () => PerPipeline(pipelines, c => c.Counters.Failed),
            description: "Items whose pipeline step failed (including calls refused by an open circuit), since this process started.");
        meter.CreateObservableGauge("pipeline_circuit_state", () => CircuitStates(pipelines),
            description: "Circuit in front of a pipeline's external service: 0 closed, 1 half-open, 2 open.");
        meter.CreateObservableCounter("pipeline_restarts_total", () => PerPipeline(pipelines, c => c.Supervisor?.Restarts ?? 0),
            description: "Restarts of a pipeline's graph after a failure, since this process started.");

        (string Name, Func<Pipeline.Actors.Engine.EntityStats> Stats)[] runtimes =
        [
            ("batch", engine.Batches.Stats), ("registration", engine.Registrations.Stats), ("event", engine.Events.Stats), ("member", engine.Members.Stats), ("webhook-endpoint", engine.WebhookEndpoints.Stats),
        ];
        meter.CreateObservableGauge("pipeline_entity_live", () => PerEntity(runtimes, s => s.LiveEntities),
            description: "Entities in memory, by entity type.");
        meter.CreateObservableGauge("pipeline_entity_queued_commands", () => PerEntity(runtimes, s => s.QueuedCommands),
            description: "Commands waiting in shard mailboxes, by entity type.");
        meter.CreateObservableCounter("pipeline_entity_transactions_total", () => PerEntity(runtimes, s => s.Transactions),
            description: "Group-commit transactions written, by entity type.");
        meter.CreateObservableCounter("pipeline_entity_commands_committed_total", () => PerEntity(runtimes, s => s.CommandsCommitted),
            description: "Commands whose events were committed, by entity type.");
        meter.CreateObservableCounter("pipeline_entity_conflicts_total", () => PerEntity(runtimes, s => s.Conflicts),
            description: "Appends refused because another node wrote the entity first, by entity type.");
        meter.CreateObservableCounter("pipeline_entity_recoveries_total", () => PerEntity(runtimes, s => s.Recoveries),
            description: "Entities recovered from the journal, by entity type.");
        meter.CreateObservableCounter("pipeline_entity_passivations_total", () => PerEntity(runtimes, s => s.Passivations),
            description: "Entities passivated (idle, or least recently used past the node's live-entity bound), by entity type.");
        meter.CreateObservableCounter("pipeline_entity_ask_timeouts_total", () => PerEntity(runtimes, s => s.AskTimeouts),
            description: "Commands asked from this node and not answered in time (503 unavailable, never applied), by entity type.");

        meter.CreateObservableGauge("pipeline_cluster_members", () => Members(cluster),
            description: "Cluster members by status, as this node sees the membership; refreshed at most every 5 s.");
        meter.CreateObservableGauge("pipeline_cluster_unreachable_members", () => cluster.Current.Unreachable,
            description: "Members this node's failure detector marks unreachable; refreshed at most every 5 s.");
        meter.CreateObservableGauge("pipeline_cluster_shards", () => Hosted(cluster, h => h.Shards),
            description: "Shards hosted by this node, by entity type (its shard regions' state); refreshed at most every 5 s.");
        meter.CreateObservableGauge("pipeline_cluster_shard_entities", () => Hosted(cluster, h => h.Entities),
            description: "Entities running in the shards this node hosts, by entity type; refreshed at most every 5 s.");
        meter.CreateObservableGauge("pipeline_work_partitions_owned", () => partitions.Current.Owned.Count,
            description: $"Work partitions (of {partitions.Count}) whose tickets, webhook fan-out and deliveries this node claims.");
        meter.CreateObservableGauge("pipeline_projection_lag_events", () => ProjectionLagOf(projectionLag),
            description: "Journal events not yet applied by the journal projection (highest journal position minus its checkpoint); read at most every 2 s.");

        var assembly = typeof(HostInstruments).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        var build = new Measurement<int>(1,
            new KeyValuePair<string, object?>("version", version),
            new KeyValuePair<string, object?>("runtime", RuntimeInformation.FrameworkDescription));
        meter.CreateObservableGauge("pipeline_build_info", () => build, description: "Always 1; labels say which build runs.");
    }

    public void RecordRequest(HttpContext context, string route, TimeSpan elapsed)
    {
        _requestDuration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("route", route),
            new KeyValuePair<string, object?>("method", MethodOf(context.Request.Method)),
            new KeyValuePair<string, object?>("status", StatusText(context.Response.StatusCode)));
    }

    public void RecordRateLimited(HttpContext context)
    {
        var policy = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? "unknown";
        _rateLimited.Add(1, new KeyValuePair<string, object?>("policy", policy));
    }

    /// <summary>Unknown methods become <c>OTHER</c>, so a client cannot invent label values.</summary>
    public static string MethodOf(string method) => KnownMethods.Contains(method) ? method : "OTHER";

    private static string StatusText(int status) => status is >= 100 and <= 599
        ? status.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : "other";

    private static IEnumerable<Measurement<long>> QueueDepthOf(PipelineRegistry pipelines, QueueDepths depths)
    {
        var current = depths.Current;
        long Ready(string queue) => current.TryGetValue(queue, out var d) ? d.Ready : 0;
        foreach (var control in pipelines.All)
        {
            // The same queues the admin API reports for each pipeline.
            var queues = PipelineStatusReader.QueuesOf(control.Name);
            var value = queues.Count == 0 ? control.Counters.QueueDepth : queues.Sum(Ready);
            yield return new Measurement<long>(value, new KeyValuePair<string, object?>("pipeline", control.Name));
        }
    }

    private static IEnumerable<Measurement<long>> QueueItems(QueueDepths depths)
    {
        foreach (var (queue, depth) in depths.Current)
        {
            yield return Item(queue, "ready", depth.Ready);
            yield return Item(queue, "scheduled", depth.Scheduled);
            yield return Item(queue, "leased", depth.Leased);
            yield return Item(queue, "dead", depth.Dead);
        }

        static Measurement<long> Item(string queue, string state, long value) => new(value,
            new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("state", state));
    }

    private static IEnumerable<Measurement<long>> PerPipeline(PipelineRegistry pipelines, Func<PipelineControl, long> value) =>
        pipelines.All.Select(c => new Measurement<long>(value(c), new KeyValuePair<string, object?>("pipeline", c.Name)));

    private static IEnumerable<Measurement<int>> CircuitStates(PipelineRegistry pipelines)
    {
        foreach (var control in pipelines.All)
        {
            if (control.Breaker is { } breaker)
            {
                var state = breaker.State switch
                {
                    CircuitState.Closed => 0,
                    CircuitState.HalfOpen => 1,
                    _ => 2, // Open and Isolated both refuse calls
                };
                yield return new Measurement<int>(state, new KeyValuePair<string, object?>("pipeline", control.Name));
            }
        }
    }

    private static IEnumerable<Measurement<int>> Members(ClusterReadings cluster)
    {
        var members = cluster.Current.Members;
        foreach (var status in ClusterReadings.Statuses)
        {
            yield return new Measurement<int>(members.GetValueOrDefault(status),
                new KeyValuePair<string, object?>("status", ClusterReadings.Label(status)));
        }
    }

    private static IEnumerable<Measurement<int>> Hosted(ClusterReadings cluster, Func<(int Shards, int Entities), int> value) =>
        cluster.Current.Hosted.Select(h => new Measurement<int>(value(h.Value), new KeyValuePair<string, object?>("entity", h.Key)));

    private static IEnumerable<Measurement<long>> ProjectionLagOf(ProjectionLag lag)
    {
        if (lag.Current is { } reading)
        {
            yield return new Measurement<long>(reading.Events,
                new KeyValuePair<string, object?>("projection", Pipeline.Host.Engine.EngineServices.JournalProjectionName));
        }
    }

    private static IEnumerable<Measurement<long>> PerEntity((string Name, Func<Pipeline.Actors.Engine.EntityStats> Stats)[] runtimes, Func<Pipeline.Actors.Engine.EntityStats, long> value) =>
        runtimes.Select(r => new Measurement<long>(value(r.Stats()), new KeyValuePair<string, object?>("entity", r.Name)));
}
