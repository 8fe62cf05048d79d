using Pipeline.Streams.Stages.Breaker;
using Polly.CircuitBreaker;

namespace Pipeline.Tests.Streams.Stages.Breaker;

public sealed class CircuitBreakerTests
{
    private static readonly CircuitBreakerOptions Options = new()
    {
        FailureRatio = 0.5,
        MinimumThroughput = 4,
        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task Opens_after_failures_refuses_while_open_half_opens_after_the_break_and_closes_on_success()
    {
        var clock = new ManualTimeProvider();
        var breaker = new CircuitBreaker(Options, clock);
        Assert.Equal(CircuitState.Closed, breaker.State);

        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => breaker.ExecuteAsync(Fail).AsTask());
        }
        Assert.Equal(CircuitState.Open, breaker.State);

        var called = false;
        var refused = await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.ExecuteAsync(_ =>
        {
            called = true;
            return ValueTask.FromResult(0);
        }).AsTask());
        Assert.False(called);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.RetryAfter);

        clock.Advance(TimeSpan.FromSeconds(4.9));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.ExecuteAsync(Succeed).AsTask());

        clock.Advance(TimeSpan.FromSeconds(0.1));
        var stateDuringTrial = await breaker.ExecuteAsync(_ => ValueTask.FromResult(breaker.State));
        Assert.Equal(CircuitState.HalfOpen, stateDuringTrial);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(1, await breaker.ExecuteAsync(Succeed));
    }

    [Fact]
    public async Task A_failed_trial_opens_the_circuit_for_another_break()
    {
        var clock = new ManualTimeProvider();
        var breaker = new CircuitBreaker(Options, clock);
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => breaker.ExecuteAsync(Fail).AsTask());
        }

        clock.Advance(Options.BreakDuration);
        await Assert.ThrowsAsync<HttpRequestException>(() => breaker.ExecuteAsync(Fail).AsTask());

        Assert.Equal(CircuitState.Open, breaker.State);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => breaker.ExecuteAsync(Succeed).AsTask());
    }

    [Fact]
    public async Task Failures_below_the_minimum_throughput_keep_it_closed()
    {
        var breaker = new CircuitBreaker(Options, new ManualTimeProvider());
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => breaker.ExecuteAsync(Fail).AsTask());
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    private static ValueTask<int> Fail(CancellationToken _) => throw new HttpRequestException("gateway down");

    private static ValueTask<int> Succeed(CancellationToken _) => ValueTask.FromResult(1);
}
