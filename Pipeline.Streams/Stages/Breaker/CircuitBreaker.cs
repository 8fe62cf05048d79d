using Polly;
using Polly.CircuitBreaker;

namespace Pipeline.Streams.Stages.Breaker;

/// <summary>
/// Why: when the service behind a step is down, hammering it with every queued item makes things worse and burns
/// retries. The breaker is a Polly <see cref="ResiliencePipeline"/> with one circuit-breaker strategy around the
/// step: after too many failures it opens and refuses calls at once with <see cref="BrokenCircuitException"/>
/// (whose <c>RetryAfter</c> tells when to try again), lets one trial call through after the break, and closes on
/// its success.
/// </summary>
/// <remarks>
/// Compose it inside the parallel stage: <c>new ParallelStage(breaker.Wrap(step), ...)</c>; a refused item is a
/// failed item there, and the caller reschedules it. Time comes from the injected <see cref="TimeProvider"/>
/// (Polly's <see cref="ResiliencePipelineBuilderBase.TimeProvider"/>), so tests move a fake clock through the break.
/// Cancellation of the caller's token is not counted as a failure (Polly's default predicate).
/// </remarks>
public sealed class CircuitBreaker
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();

    public CircuitBreaker(CircuitBreakerOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new CircuitBreakerOptions();
        _pipeline = new ResiliencePipelineBuilder
        {
            Name = options.Name,
            TimeProvider = timeProvider ?? TimeProvider.System,
        }
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            StateProvider = _state,
        })
        .Build(); // Polly validates the ranges here and throws a ValidationException naming the bad one.
    }

    /// <summary>Closed, Open, HalfOpen (a trial call is running) or Isolated. Polly moves Open to HalfOpen on the first call after the break.</summary>
    public CircuitState State => _state.CircuitState;

    public ValueTask<TResult> ExecuteAsync<TResult>(Func<CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(action, cancellationToken);

    public ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(action, cancellationToken);

    /// <summary>The step, guarded: for <see cref="Parallel.ParallelStage{TIn, TOut}"/>.</summary>
    public Func<TIn, CancellationToken, ValueTask<TOut>> Wrap<TIn, TOut>(Func<TIn, CancellationToken, ValueTask<TOut>> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return (item, cancellationToken) => _pipeline.ExecuteAsync(
            static (state, token) => state.step(state.item, token), (step, item), cancellationToken);
    }
}
