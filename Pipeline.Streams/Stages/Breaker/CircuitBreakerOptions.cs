namespace Pipeline.Streams.Stages.Breaker;

/// <summary>The four numbers of a Polly circuit breaker, with this project's defaults.</summary>
public sealed record CircuitBreakerOptions
{
    /// <summary>Failed share of calls in the window that opens the circuit; default 0.5, above 0 and at most 1.</summary>
    public double FailureRatio { get; init; } = CircuitBreakerDefaults.FailureRatio;

    /// <summary>Calls in the window before the ratio counts; default 10, at least 2.</summary>
    public int MinimumThroughput { get; init; } = CircuitBreakerDefaults.MinimumThroughput;

    /// <summary>Window the ratio is measured over; default 30 s, at least 0.5 s.</summary>
    public TimeSpan SamplingDuration { get; init; } = CircuitBreakerDefaults.SamplingDuration;

    /// <summary>Time the circuit stays open before a trial call; default 30 s, at least 0.5 s.</summary>
    public TimeSpan BreakDuration { get; init; } = CircuitBreakerDefaults.BreakDuration;

    /// <summary>
    /// Which failures count against the circuit; all by default. A failure of one message (a bad phone number) says
    /// nothing about the service's health and should not open the circuit for everyone.
    /// </summary>
    public Func<Exception, bool>? ShouldHandle { get; init; }

    /// <summary>Names the pipeline in Polly's telemetry; optional.</summary>
    public string? Name { get; init; }
}
