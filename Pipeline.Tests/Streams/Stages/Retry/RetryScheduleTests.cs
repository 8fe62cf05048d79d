using Pipeline.Streams.Stages.Retry;

namespace Pipeline.Tests.Streams.Stages.Retry;

public sealed class RetryScheduleTests
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    [Fact]
    public void Without_jitter_the_delays_come_in_order_and_then_there_is_no_next_attempt()
    {
        var schedule = new RetrySchedule(Delays);

        Assert.Equal(TimeSpan.FromSeconds(2), schedule.NextDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(5), schedule.NextDelay(2));
        Assert.Equal(TimeSpan.FromSeconds(10), schedule.NextDelay(3));
        Assert.True(schedule.HasNextAttempt(3));
        Assert.False(schedule.HasNextAttempt(4));
        Assert.Null(schedule.NextDelay(4));
        Assert.Equal(4, schedule.MaxAttempts);
    }

    [Fact]
    public void Jitter_stays_within_its_band_for_every_sample()
    {
        var schedule = new RetrySchedule(Delays, jitter: 0.2);
        for (var attempt = 1; attempt <= Delays.Length; attempt++)
        {
            var nominal = Delays[attempt - 1];
            for (var step = 0; step <= 100; step++)
            {
                var delay = schedule.NextDelay(attempt, jitterSample: step / 100.0)!.Value;
                Assert.InRange(delay, nominal * 0.8, nominal * 1.2);
            }
            Assert.Equal(nominal * 0.8, schedule.NextDelay(attempt, 0));
            Assert.Equal(nominal, schedule.NextDelay(attempt, 0.5));
            Assert.Equal(nominal * 1.2, schedule.NextDelay(attempt, 1));
        }
    }

    [Fact]
    public void A_longer_retry_after_from_the_server_wins_and_a_shorter_one_does_not()
    {
        var schedule = new RetrySchedule(Delays);

        Assert.Equal(TimeSpan.FromSeconds(30), schedule.NextDelay(1, retryAfter: TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(2), schedule.NextDelay(1, retryAfter: TimeSpan.FromSeconds(1)));
        Assert.Null(schedule.NextDelay(4, retryAfter: TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => new RetrySchedule([TimeSpan.FromSeconds(-1)]));
        Assert.ThrowsAny<ArgumentException>(() => new RetrySchedule(Delays, jitter: 1));
        Assert.ThrowsAny<ArgumentException>(() => new RetrySchedule(Delays).NextDelay(0));
        Assert.ThrowsAny<ArgumentException>(() => new RetrySchedule(Delays).NextDelay(1, jitterSample: 1.5));
    }

    [Fact]
    public void An_empty_schedule_means_one_attempt()
    {
        var schedule = new RetrySchedule([]);

        Assert.Equal(1, schedule.MaxAttempts);
        Assert.False(schedule.HasNextAttempt(1));
    }
}
