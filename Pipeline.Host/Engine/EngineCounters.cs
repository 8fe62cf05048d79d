using Pipeline.Actors.Engine;

namespace Pipeline.Host.Engine;

/// <summary>The counters of each entity type on the engine (read by the metrics endpoint).</summary>
public sealed class EngineCounters
{
    public EntityCounters Batches { get; } = new();

    public EntityCounters Registrations { get; } = new();

    public EntityCounters Events { get; } = new();

    public EntityCounters Members { get; } = new();

    public EntityCounters WebhookEndpoints { get; } = new();
}
