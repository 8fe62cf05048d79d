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
/// Each pipeline calls it inside its parallel step (per webhook endpoint, one for WhatsApp); a refused call is not an
/// attempt, and the caller hands the item back. Time comes from the injected <see cref="TimeProvider"/>
/// (Polly's <see cref="ResiliencePipelineBuilderBase.TimeProvider"/>), so tests move a fake clock through the break.
/// Cancellation of the caller's token is not counted as a failure (Polly's default predicate).
/// </remarks>
public sealed class CircuitBreaker
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly TimeProvider _time;

    /// <summary>UTC ticks until which an open circuit refuses calls (set when it opens).</summary>
    private long _openUntilTicks;

    public CircuitBreaker(CircuitBreakerOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new CircuitBreakerOptions();
        _time = timeProvider ?? TimeProvider.System;
        _pipeline = new ResiliencePipelineBuilder
        {
            Name = options.Name,
            TimeProvider = _time,
        }
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            StateProvider = _state,
            OnOpened = args =>
            {
                Volatile.Write(ref _openUntilTicks, (_time.GetUtcNow() + args.BreakDuration).UtcTicks);
                return ValueTask.CompletedTask;
            },
            // Cancellation is the caller's doing, never the service's failure (Polly's default predicate says the same).
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException && (options.ShouldHandle?.Invoke(e) ?? true)),
        })
        .Build(); // Polly validates the ranges here and throws a ValidationException naming the bad one.
    }

    /// <summary>Closed, Open, HalfOpen (a trial call is running) or Isolated. Polly moves Open to HalfOpen on the first call after the break.</summary>
    public CircuitState State => _state.CircuitState;

    /// <summary>
    /// True while an open circuit's break lasts. Polly moves Open to HalfOpen only when a call comes, so a caller that
    /// stops calling while the circuit is <see cref="CircuitState.Open"/> would wait forever; this says when to call again.
    /// </summary>
    public bool IsRefusing => State == CircuitState.Open && _time.GetUtcNow().UtcTicks < Volatile.Read(ref _openUntilTicks);

    public ValueTask<TResult> ExecuteAsync<TResult>(Func<CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(action, cancellationToken);

    public ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(action, cancellationToken);
}
