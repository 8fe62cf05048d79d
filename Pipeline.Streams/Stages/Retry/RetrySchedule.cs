namespace Pipeline.Streams.Stages.Retry;

/// <summary>
/// Why: a failed item is retried durably, by rescheduling it in storage, not by a loop in memory; what the caller
/// needs is the arithmetic: is there another attempt, and when. This type is that arithmetic and nothing else: pure,
/// so it needs no clock and no random source of its own (the caller passes a sample in [0, 1]).
/// </summary>
/// <remarks>
/// Attempts are counted by failures so far: after the first failure, <c>NextDelay(1, ...)</c> is
/// <c>Delays[0]</c>; after <c>Delays.Count</c> failures there is no next attempt. A schedule with no delays means
/// "try once".
/// </remarks>
public sealed class RetrySchedule
{
    private readonly TimeSpan[] _delays;

    /// <param name="delays">The wait before each retry, in order; none negative.</param>
    /// <param name="jitter">Fraction each delay may move either way, in [0, 1): 0.2 turns 10 s into 8–12 s.</param>
    public RetrySchedule(IEnumerable<TimeSpan> delays, double jitter = 0)
    {
        ArgumentNullException.ThrowIfNull(delays);
        _delays = [.. delays];
        foreach (var delay in _delays)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(delays));
        }
        if (!(jitter >= 0 && jitter < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "Jitter must be in [0, 1).");
        }
        Jitter = jitter;
    }

    /// <summary>2 s, 5 s, 10 s, ±20 %.</summary>
    public static RetrySchedule Default { get; } = new(RetryDefaults.Delays, RetryDefaults.Jitter);

    public IReadOnlyList<TimeSpan> Delays => _delays;

    public double Jitter { get; }

    /// <summary>The first attempt plus one per delay.</summary>
    public int MaxAttempts => _delays.Length + 1;

    /// <summary>Whether an item that has failed <paramref name="failedAttempts"/> times (at least 1) gets another attempt.</summary>
    public bool HasNextAttempt(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        return failedAttempts <= _delays.Length;
    }

    /// <summary>
    /// The wait before the next attempt of an item that has failed <paramref name="failedAttempts"/> times, or null
    /// when it has had its last. <paramref name="jitterSample"/> in [0, 1] picks the point in the jitter range (0.5 is
    /// the nominal delay). A server's <paramref name="retryAfter"/> wins when it asks for longer.
    /// </summary>
    public TimeSpan? NextDelay(int failedAttempts, double jitterSample = 0.5, TimeSpan? retryAfter = null)
    {
        if (!(jitterSample >= 0 && jitterSample <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitterSample), jitterSample, "The sample must be in [0, 1].");
        }
        if (!HasNextAttempt(failedAttempts))
        {
            return null;
        }
        var nominal = _delays[failedAttempts - 1];
        var factor = 1 + Jitter * (2 * jitterSample - 1);
        var delay = TimeSpan.FromTicks((long)(nominal.Ticks * factor));
        return retryAfter is { } asked && asked > delay ? asked : delay;
    }
}
