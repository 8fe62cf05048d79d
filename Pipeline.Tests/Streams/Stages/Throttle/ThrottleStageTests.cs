using System.Diagnostics;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Throttle;

namespace Pipeline.Tests.Streams.Stages.Throttle;

/// <summary>
/// TokenBucketRateLimiter has no TimeProvider seam, so these are the only stream tests on real time: they count the
/// items that passed in a measured window and compare with rate × window length, ±10 %. Nothing asserts speed.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ThrottleStageTests
{
    [Fact]
    public async Task Throttle_holds_its_rate_within_ten_percent_and_a_live_rate_change_takes_effect()
    {
        using var throttle = new ThrottleStage<int>(ratePerSecond: 50);
        var clock = Stopwatch.StartNew();
        var passed = new List<long>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var graph = new StageContext(stop.Token);
        var completion = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; ; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(throttle)
            .To((_, _) =>
            {
                lock (passed) passed.Add(clock.ElapsedTicks);
                return ValueTask.CompletedTask;
            });

        var (count50, seconds50) = await CountOverWindowAsync(passed, clock, warmUp: TimeSpan.FromMilliseconds(500), window: TimeSpan.FromSeconds(3));
        throttle.RatePerSecond = 150;
        var (count150, seconds150) = await CountOverWindowAsync(passed, clock, warmUp: TimeSpan.FromMilliseconds(500), window: TimeSpan.FromSeconds(2));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completion);

        AssertWithinTenPercent(expected: 50 * seconds50, actual: count50);
        AssertWithinTenPercent(expected: 150 * seconds150, actual: count150);
    }

    [Fact]
    public void An_invalid_rate_is_refused_and_the_old_one_stays()
    {
        using var throttle = new ThrottleStage<int>(ratePerSecond: 10);

        Assert.ThrowsAny<ArgumentException>(() => throttle.RatePerSecond = 0);
        Assert.ThrowsAny<ArgumentException>(() => throttle.RatePerSecond = 100_001);
        Assert.ThrowsAny<ArgumentException>(() => throttle.RatePerSecond = double.NaN);

        Assert.Equal(10, throttle.RatePerSecond);
    }

    /// <summary>Lets the rate settle for <paramref name="warmUp"/>, then counts items stamped inside a window of about <paramref name="window"/>.</summary>
    private static async Task<(int Count, double Seconds)> CountOverWindowAsync(List<long> passed, Stopwatch clock, TimeSpan warmUp, TimeSpan window)
    {
        await Task.Delay(warmUp);
        var from = clock.ElapsedTicks;
        await Task.Delay(window);
        var to = clock.ElapsedTicks;
        int count;
        lock (passed) count = passed.Count(t => t >= from && t < to);
        return (count, (to - from) / (double)Stopwatch.Frequency);
    }

    private static void AssertWithinTenPercent(double expected, int actual) =>
        Assert.True(Math.Abs(actual - expected) <= expected * 0.10,
            $"Expected {expected:F1} ± 10 % items in the window, counted {actual}.");
}
