namespace Pipeline.Streams.Stages.Throttle;

/// <summary>Defaults and limits of <see cref="Graph.PipelineSettings.RatePerSecond"/> and of <see cref="LiveThrottle{T}"/>'s bucket.</summary>
public static class ThrottleDefaults
{
    /// <summary>Items per second when nothing is configured.</summary>
    public const double RatePerSecond = 50;

    /// <summary>Highest rate accepted, in items per second. The lowest is anything above zero.</summary>
    public const double MaxRatePerSecond = 100_000;

    /// <summary>How often the bucket is topped up. Each top-up adds what the elapsed time earned, so a late timer costs nothing.</summary>
    public static readonly TimeSpan ReplenishmentPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How much time's worth of tokens the bucket can save up: the largest burst after an idle spell, and the longest
    /// stall (a late timer, a busy thread pool) whose tokens are not lost.
    /// </summary>
    public static readonly TimeSpan BurstWindow = TimeSpan.FromMilliseconds(500);

    /// <summary>Throws unless <paramref name="ratePerSecond"/> is in (0, <see cref="MaxRatePerSecond"/>].</summary>
    public static void ValidateRate(double ratePerSecond, string paramName)
    {
        if (!(ratePerSecond > 0 && ratePerSecond <= MaxRatePerSecond))
        {
            throw new ArgumentOutOfRangeException(paramName, ratePerSecond,
                $"The rate must be above 0 and at most {MaxRatePerSecond} items per second.");
        }
    }
}
