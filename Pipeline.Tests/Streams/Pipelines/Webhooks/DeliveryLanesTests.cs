using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Streams.Webhooks;
using Polly.CircuitBreaker;

namespace Pipeline.Tests.Streams.Pipelines.Webhooks;

public sealed class DeliveryLanesTests
{
    private static readonly WebhookOptions Options = new()
    {
        MaxInFlightPerEndpoint = 4,
        BreakerMinimumThroughput = 4,
        BreakerFailureRatio = 0.5,
        BreakerBreakDuration = TimeSpan.FromSeconds(30),
    };

    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void An_endpoint_without_attempts_in_flight_may_take_a_full_lane()
    {
        var lanes = new DeliveryLanes(Options, _time);

        Assert.Empty(lanes.Limits());
        Assert.Equal(4, lanes.LaneSize);
    }

    [Fact]
    public void A_full_lane_claims_nothing_and_each_settled_attempt_makes_room_for_one()
    {
        var lanes = new DeliveryLanes(Options, _time);
        var hanging = Enumerable.Range(0, 4).Select(_ => lanes.Enter("ep_hanging")).ToList();
        lanes.Enter("ep_healthy");

        Assert.Equal(new Dictionary<string, int> { ["ep_hanging"] = 0, ["ep_healthy"] = 3 }, lanes.Limits());

        lanes.Leave(hanging[0]);
        Assert.Equal(1, lanes.Limits()["ep_hanging"]);
    }

    [Fact]
    public async Task An_open_circuit_claims_nothing_until_the_break_is_over_then_room_for_one_trial()
    {
        var lanes = new DeliveryLanes(Options, _time);
        var lane = lanes.Enter("ep_down");
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<WebhookDeliveryException>(() => lane.Breaker.ExecuteAsync(
                _ => ValueTask.FromException(new WebhookDeliveryException("timeout", null, countsAgainstEndpoint: true))).AsTask());
        }
        lanes.Leave(lane);

        Assert.Equal(CircuitState.Open, lane.Breaker.State);
        Assert.Equal(0, lanes.Limits()["ep_down"]);

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, lanes.Limits()["ep_down"]);
        lanes.Enter("ep_down");
        Assert.Equal(0, lanes.Limits()["ep_down"]);
    }

    [Fact]
    public async Task Failures_of_one_message_do_not_open_the_endpoints_circuit()
    {
        var lanes = new DeliveryLanes(Options, _time);
        var lane = lanes.Enter("ep_picky");
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<WebhookDeliveryException>(() => lane.Breaker.ExecuteAsync(
                _ => ValueTask.FromException(new WebhookDeliveryException("HTTP 400", 400, countsAgainstEndpoint: false))).AsTask());
        }

        Assert.Equal(CircuitState.Closed, lane.Breaker.State);
        Assert.Equal(3, lanes.Limits()["ep_picky"]);
    }

    [Fact]
    public void Idle_lanes_are_forgotten()
    {
        var lanes = new DeliveryLanes(Options, _time);
        lanes.Leave(lanes.Enter("ep_once"));

        _time.Advance(DeliveryLanes.IdleLifetime + TimeSpan.FromSeconds(1));
        lanes.Limits();

        Assert.Empty(lanes.Circuits());
    }
}
