using Pipeline.Actors.Engine;
using Pipeline.Streams.Telemetry;

namespace Pipeline.Host.Engine;

/// <summary>The counters of each entity type on the engine (read by the metrics endpoint), timed on the host's meter.</summary>
public sealed class EngineCounters
{
    public EngineCounters(PipelineMetrics metrics)
    {
        var instruments = new EntityInstruments(metrics.Meter);
        Batches = new("batch", instruments);
        Registrations = new("registration", instruments);
        Events = new("event", instruments);
        Members = new("member", instruments);
        WebhookEndpoints = new("webhook-endpoint", instruments);
    }

    public EntityCounters Batches { get; }

    public EntityCounters Registrations { get; }

    public EntityCounters Events { get; }

    public EntityCounters Members { get; }

    public EntityCounters WebhookEndpoints { get; }

    /// <summary>The counters of the entity type whose shard region <typeparamref name="TRegion"/> is.</summary>
    public EntityCounters For<TRegion>() => typeof(TRegion) switch
    {
        var t when t == typeof(BatchRegion) => Batches,
        var t when t == typeof(RegistrationRegion) => Registrations,
        var t when t == typeof(EventRegion) => Events,
        var t when t == typeof(MemberRegion) => Members,
        var t when t == typeof(WebhookEndpointRegion) => WebhookEndpoints,
        var t => throw new ArgumentOutOfRangeException(nameof(TRegion), t.Name, "Not an entity region."),
    };
}
