using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Tests.Streams.Pipelines.Webhooks;

public sealed class WebhookRetryPolicyTests
{
    private static readonly WebhookRetryPolicy Default = new(WebhookOptions.DefaultRetryDelays);
    private static readonly WebhookDeliveryException ServerError = new("HTTP 500", 500, true);

    [Fact]
    public void The_default_schedule_is_eight_attempts_with_Svix_delays_at_their_nominal_value()
    {
        Assert.Equal(8, Default.MaxAttempts);
        Assert.Equal(
            [TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
                TimeSpan.FromHours(10), TimeSpan.FromHours(10)],
            Enumerable.Range(1, 7).Select(failed => Default.NextDelay(failed, ServerError, 0.5)!.Value));
        Assert.Null(Default.NextDelay(8, ServerError, 0.5));
    }

    [Theory]
    [InlineData(0.0, 4.0)]
    [InlineData(1.0, 6.0)]
    public void Delays_move_by_up_to_20_percent(double sample, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Default.NextDelay(1, ServerError, sample));

    [Fact]
    public void Gone_is_dead_at_once() =>
        Assert.Null(Default.NextDelay(1, new WebhookDeliveryException("HTTP 410", 410, false), 0.5));

    [Fact]
    public void Retry_After_is_honoured_up_to_twice_the_scheduled_delay()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), Default.NextDelay(1, new WebhookDeliveryException("HTTP 429", 429, true, TimeSpan.FromSeconds(8)), 0.5));
        Assert.Equal(TimeSpan.FromSeconds(10), Default.NextDelay(1, new WebhookDeliveryException("HTTP 429", 429, true, TimeSpan.FromDays(3)), 0.5));
        Assert.Equal(TimeSpan.FromSeconds(5), Default.NextDelay(1, new WebhookDeliveryException("HTTP 429", 429, true, TimeSpan.FromSeconds(1)), 0.5));
    }

    [Fact]
    public void No_delays_means_one_attempt() => Assert.Null(new WebhookRetryPolicy([]).NextDelay(1, ServerError, 0.5));
}
