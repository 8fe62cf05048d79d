using System.Diagnostics;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Throttle;

namespace Pipeline.Tests.Streams.Stages.Throttle;

/// <summary>
/// TokenBucketRateLimiter has no TimeProvider seam, so these are the only stream tests on real time: they count the
/// items that passed in a measured window and compare with rate × window length, ±10 %. Nothing asserts speed.
/// </summary>
/// <remarks>
/// A process that gets no CPU for longer than the throttle's burst window (a shared two-core machine under a
/// parallel build) really does pass fewer items in that window; that says nothing about the throttle. So a window
/// is measured up to three times and one within tolerance passes; a wrong rate misses all three.
/// </remarks>
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

        var at50 = await MeasureAsync(passed, clock, ratePerSecond: 50, window: TimeSpan.FromSeconds(3));
        throttle.RatePerSecond = 150;
        var at150 = await MeasureAsync(passed, clock, ratePerSecond: 150, window: TimeSpan.FromSeconds(2));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completion);

        Assert.True(at50.Passed, at50.Report);
        Assert.True(at150.Passed, at150.Report);
    }

    [Fact]
    public async Task Raising_the_rate_wakes_an_item_waiting_on_the_old_bucket()
    {
        using var throttle = new ThrottleStage<int>(ratePerSecond: 0.01); // the first token would come after 100 s
        var passed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var graph = new StageContext(stop.Token);
        var completion = graph
            .Source<int>(async (writer, ct) => await writer.WriteAsync(1, ct))
            .Via(throttle)
            .To((_, _) =>
            {
                Interlocked.Increment(ref passed);
                return ValueTask.CompletedTask;
            });
        await Task.Delay(200);
        Assert.Equal(0, Volatile.Read(ref passed));

        throttle.RatePerSecond = 1000;

        await completion;
        Assert.Equal(1, passed);
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

    /// <summary>
    /// Lets the rate settle for half a second, then counts items stamped inside a window of about
    /// <paramref name="window"/>; up to three windows, stopping at the first within ±10 % of rate × window length.
    /// </summary>
    private static async Task<(bool Passed, string Report)> MeasureAsync(List<long> passed, Stopwatch clock, double ratePerSecond, TimeSpan window)
    {
        var report = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var from = clock.ElapsedTicks;
            await Task.Delay(window);
            var to = clock.ElapsedTicks;
            int count;
            lock (passed) count = passed.Count(t => t >= from && t < to);
            var expected = ratePerSecond * (to - from) / Stopwatch.Frequency;
            report.Add($"counted {count}, expected {expected:F1} ± 10 %");
            if (Math.Abs(count - expected) <= expected * 0.10)
            {
                return (true, string.Join("; ", report));
            }
        }
        return (false, $"At {ratePerSecond}/s: " + string.Join("; ", report));
    }
}
