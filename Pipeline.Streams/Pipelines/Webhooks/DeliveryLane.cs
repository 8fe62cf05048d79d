using Pipeline.Streams.Stages.Breaker;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>One endpoint's share of a node's deliveries: its attempts in flight and its own circuit.</summary>
public sealed class DeliveryLane(string endpointId, CircuitBreaker breaker)
{
    public string EndpointId { get; } = endpointId;

    public CircuitBreaker Breaker { get; } = breaker;

    /// <summary>Attempts claimed for this endpoint and not yet settled. Guarded by the <see cref="DeliveryLanes"/> lock.</summary>
    internal int InFlight { get; set; }

    /// <summary>When an attempt last entered the lane (<see cref="TimeProvider.GetTimestamp"/>); idle lanes are forgotten.</summary>
    internal long LastUsed { get; set; }
}
