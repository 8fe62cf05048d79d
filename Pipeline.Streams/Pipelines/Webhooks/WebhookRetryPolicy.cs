using Pipeline.Streams.Stages.Retry;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>
/// When a failed delivery is tried again: the configured delays (±20 % jitter), so 1 + the number of delays attempts in
/// all; never after 410 Gone; an endpoint's <c>Retry-After</c> is honoured up to twice the scheduled delay (Svix clamps
/// it the same way, so an endpoint cannot push its retries out for days). Pure: the caller passes the jitter sample.
/// </summary>
public sealed class WebhookRetryPolicy
{
    public const double Jitter = 0.2;

    private readonly RetrySchedule _schedule;

    public WebhookRetryPolicy(IReadOnlyList<TimeSpan> delays) => _schedule = new RetrySchedule(delays, Jitter);

    public int MaxAttempts => _schedule.MaxAttempts;

    /// <summary>The wait before the next attempt after <paramref name="failedAttempts"/> failures, or null: the delivery is dead.</summary>
    public TimeSpan? NextDelay(int failedAttempts, WebhookDeliveryException failure, double jitterSample)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.IsGone || !_schedule.HasNextAttempt(failedAttempts))
        {
            return null;
        }
        var nominal = _schedule.Delays[failedAttempts - 1];
        var retryAfter = failure.RetryAfter is { } asked ? (asked < nominal * 2 ? asked : nominal * 2) : (TimeSpan?)null;
        return _schedule.NextDelay(failedAttempts, jitterSample, retryAfter);
    }
}
