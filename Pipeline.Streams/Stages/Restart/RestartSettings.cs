namespace Pipeline.Streams.Stages.Restart;

/// <summary>
/// How <see cref="RestartWithBackoff"/> waits between runs, after Akka's <c>RestartSettings</c>: immutable, made with
/// <see cref="Create"/> and refined with <see cref="WithMaxRestarts"/>.
/// </summary>
public sealed record RestartSettings
{
    private RestartSettings()
    {
    }

    /// <summary>Wait before the first restart; above zero.</summary>
    public TimeSpan MinBackoff { get; private init; }

    /// <summary>Cap of the doubling wait, before jitter; at least <see cref="MinBackoff"/>, at most a day.</summary>
    public TimeSpan MaxBackoff { get; private init; }

    /// <summary>Jitter added on top of the capped wait, as a fraction of it, in [0, 1]: 0.2 makes 10 s into 10–12 s.</summary>
    public double RandomFactor { get; private init; }

    /// <summary>Consecutive restarts allowed before the supervisor gives up; unlimited unless set.</summary>
    public int MaxRestarts { get; private init; } = int.MaxValue;

    /// <summary>
    /// A run that lasted this long was healthy: the next failure starts again from <see cref="MinBackoff"/> and the
    /// restart count toward <see cref="MaxRestarts"/> starts again from zero. Defaults to <see cref="MaxBackoff"/>.
    /// </summary>
    public TimeSpan MaxRestartsWithin { get; private init; }

    public static RestartSettings Create(TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(minBackoff, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBackoff, minBackoff);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBackoff, TimeSpan.FromDays(1));
        if (!(randomFactor >= 0 && randomFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(randomFactor), randomFactor, "The random factor must be in [0, 1].");
        }
        return new RestartSettings
        {
            MinBackoff = minBackoff,
            MaxBackoff = maxBackoff,
            RandomFactor = randomFactor,
            MaxRestartsWithin = maxBackoff,
        };
    }

    /// <summary>Gives up after <paramref name="count"/> consecutive restarts; a run lasting <paramref name="within"/> resets the count and the backoff.</summary>
    public RestartSettings WithMaxRestarts(int count, TimeSpan within)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(within, TimeSpan.Zero);
        return this with { MaxRestarts = count, MaxRestartsWithin = within };
    }

    /// <summary>
    /// The wait before restart number <paramref name="consecutiveRestarts"/> + 1: <c>min × 2^n</c>, capped at max, then
    /// stretched by <c>1 + RandomFactor × jitterSample</c> (<paramref name="jitterSample"/> in [0, 1]). Pure.
    /// </summary>
    public TimeSpan BackoffFor(int consecutiveRestarts, double jitterSample)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(consecutiveRestarts);
        if (!(jitterSample >= 0 && jitterSample <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitterSample), jitterSample, "The sample must be in [0, 1].");
        }
        // Doubles, so 2^n past 63 saturates at the cap instead of overflowing.
        var capped = Math.Min(MaxBackoff.Ticks, MinBackoff.Ticks * Math.Pow(2, consecutiveRestarts));
        return TimeSpan.FromTicks((long)(capped * (1 + RandomFactor * jitterSample)));
    }
}
