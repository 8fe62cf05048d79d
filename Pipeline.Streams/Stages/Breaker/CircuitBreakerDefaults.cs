namespace Pipeline.Streams.Stages.Breaker;

/// <summary>Defaults of <see cref="CircuitBreakerOptions"/>; the ranges are Polly's.</summary>
public static class CircuitBreakerDefaults
{
    /// <summary>Half the calls in the sampling window failed.</summary>
    public const double FailureRatio = 0.5;

    /// <summary>Calls needed in the window before the ratio counts; Polly requires at least 2.</summary>
    public const int MinimumThroughput = 10;

    /// <summary>Window over which the ratio is measured; Polly requires at least 0.5 s.</summary>
    public static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(30);

    /// <summary>Time the circuit stays open before one trial call is let through; Polly requires at least 0.5 s.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);
}
