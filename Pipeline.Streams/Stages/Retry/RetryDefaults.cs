namespace Pipeline.Streams.Stages.Retry;

/// <summary>Defaults of <see cref="RetrySchedule"/>.</summary>
public static class RetryDefaults
{
    /// <summary>Waits before the second, third and fourth attempt.</summary>
    public static readonly IReadOnlyList<TimeSpan> Delays =
        [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    /// <summary>Each delay moves by up to ±20 % so items that failed together do not come back together.</summary>
    public const double Jitter = 0.2;
}
