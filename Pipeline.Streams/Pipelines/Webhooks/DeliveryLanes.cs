using Pipeline.Streams.Stages.Breaker;
using Pipeline.Streams.Webhooks;
using Polly.CircuitBreaker;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>
/// Why: one dead, slow or hanging endpoint must never delay deliveries to the others. Each endpoint gets a lane: at most
/// <see cref="WebhookOptions.MaxInFlightPerEndpoint"/> attempts in flight on this node, and a circuit of its own. The
/// claim asks storage for at most each lane's free room (<see cref="Limits"/>), so a full lane's backlog is never
/// claimed, never held in memory and never stands in front of another endpoint's deliveries.
/// </summary>
/// <remarks>
/// A lane whose circuit is open claims nothing until the break is over, then room for one trial attempt (Polly lets
/// one call through half-open); a success closes the circuit and the lane is back to full size. So k failing endpoints
/// hold at most k × the lane size of the node's parallelism while their circuits close, and k (trials) once they are open.
/// </remarks>
public sealed class DeliveryLanes(WebhookOptions options, TimeProvider time)
{
    /// <summary>An idle lane with a closed circuit is forgotten after this long (deleted endpoints, rare senders).</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Guards <see cref="_lanes"/> and every lane's <see cref="DeliveryLane.InFlight"/>.</summary>
    private readonly Lock _lock = new();

    private readonly Dictionary<string, DeliveryLane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Room of a lane nothing is known about: a full lane.</summary>
    public int LaneSize => options.MaxInFlightPerEndpoint;

    /// <summary>
    /// The lanes that have less room than <see cref="LaneSize"/> now, with the room they have (0 claims nothing for
    /// that endpoint). Every other endpoint may take a full lane. Also forgets lanes idle for <see cref="IdleLifetime"/>.
    /// </summary>
    public IReadOnlyDictionary<string, int> Limits()
    {
        var limits = new Dictionary<string, int>(StringComparer.Ordinal);
        var now = time.GetTimestamp();
        lock (_lock)
        {
            List<string>? idle = null;
            foreach (var (id, lane) in _lanes)
            {
                var closed = lane.Breaker.State == CircuitState.Closed;
                if (lane.InFlight == 0 && closed && time.GetElapsedTime(lane.LastUsed, now) > IdleLifetime)
                {
                    (idle ??= []).Add(id);
                    continue;
                }
                var size = lane.Breaker.IsRefusing ? 0 : closed ? LaneSize : 1;
                var room = Math.Max(0, size - lane.InFlight);
                if (room < LaneSize)
                {
                    limits[id] = room;
                }
            }
            foreach (var id in idle ?? [])
            {
                _lanes.Remove(id);
            }
        }
        return limits;
    }

    /// <summary>Counts a claimed attempt into its endpoint's lane; call <see cref="Leave"/> once it is settled.</summary>
    public DeliveryLane Enter(string endpointId)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        lock (_lock)
        {
            if (!_lanes.TryGetValue(endpointId, out var lane))
            {
                _lanes[endpointId] = lane = new DeliveryLane(endpointId, NewBreaker());
            }
            lane.InFlight++;
            lane.LastUsed = time.GetTimestamp();
            return lane;
        }
    }

    public void Leave(DeliveryLane lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        lock (_lock)
        {
            if (lane.InFlight == 0)
            {
                throw new InvalidOperationException("Leave without a matching Enter.");
            }
            lane.InFlight--;
        }
    }

    /// <summary>Attempts in flight to one endpoint now (0 for an endpoint without a lane).</summary>
    public int InFlightOf(string endpointId)
    {
        lock (_lock)
        {
            return _lanes.TryGetValue(endpointId, out var lane) ? lane.InFlight : 0;
        }
    }

    /// <summary>The circuit state of each lane (for operators).</summary>
    public IReadOnlyDictionary<string, CircuitState> Circuits()
    {
        lock (_lock)
        {
            return _lanes.ToDictionary(l => l.Key, l => l.Value.Breaker.State, StringComparer.Ordinal);
        }
    }

    private CircuitBreaker NewBreaker() => new(new CircuitBreakerOptions
    {
        Name = PipelineNames.Webhooks,
        FailureRatio = options.BreakerFailureRatio,
        MinimumThroughput = options.BreakerMinimumThroughput,
        SamplingDuration = options.BreakerSamplingDuration,
        BreakDuration = options.BreakerBreakDuration,
        // A 400 for one payload says nothing about the endpoint; timeouts, refused connections, 429 and 5xx do.
        ShouldHandle = static e => e is WebhookDeliveryException { CountsAgainstEndpoint: true },
    }, time);
}
