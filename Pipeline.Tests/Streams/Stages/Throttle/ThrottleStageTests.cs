using System.Threading.Channels;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Throttle;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Throttle;

/// <summary>
/// On a manual clock: the bucket is topped up only when the test moves the clock, so what passes is counted exactly
/// (rate × time moved, from an empty bucket), whatever the machine's load.
/// </summary>
public sealed class ThrottleStageTests
{
    private static readonly TimeSpan Period = ThrottleDefaults.ReplenishmentPeriod;

    /// <summary>Bounds each wait for items the clock already let through: a hang, not a speed limit.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Throttle_passes_exactly_its_rate_and_a_live_rate_change_takes_effect_from_an_empty_bucket()
    {
        var time = new ManualTimeProvider();
        using var throttle = new ThrottleStage<int>(new ThrottleStageOptions { RatePerSecond = 50, TimeProvider = time });
        var passed = 0;
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
                Interlocked.Increment(ref passed);
                return ValueTask.CompletedTask;
            });

        Assert.Equal(0, Volatile.Read(ref passed)); // the bucket starts empty
        await AdvanceAsync(time, () => Volatile.Read(ref passed), steps: 30, perStep: 5); // 3 s at 50/s: 150

        throttle.RatePerSecond = 150;
        await AdvanceAsync(time, () => Volatile.Read(ref passed) - 150, steps: 20, perStep: 15); // 2 s at 150/s: 300

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completion);
    }

    [Fact]
    public async Task An_idle_spell_longer_than_the_burst_window_saves_only_that_windows_worth()
    {
        var time = new ManualTimeProvider();
        using var throttle = new ThrottleStage<int>(new ThrottleStageOptions { RatePerSecond = 50, TimeProvider = time });
        var feed = Channel.CreateUnbounded<int>();
        var passed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var graph = new StageContext(stop.Token);
        var completion = graph
            .Source<int>(async (writer, ct) =>
            {
                await foreach (var item in feed.Reader.ReadAllAsync(ct))
                {
                    await writer.WriteAsync(item, ct);
                }
            })
            .Via(throttle)
            .To((_, _) =>
            {
                Interlocked.Increment(ref passed);
                return ValueTask.CompletedTask;
            });

        // Two seconds with nothing to pass: the bucket fills to 500 ms' worth (25) and drops the rest.
        for (var i = 0; i < 20; i++)
        {
            time.Advance(Period);
        }
        for (var i = 0; i < 1000; i++)
        {
            feed.Writer.TryWrite(i);
        }

        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref passed) >= 25, Hang), $"passed {passed}");
        Assert.Equal(25, Volatile.Read(ref passed));
        await AdvanceAsync(time, () => Volatile.Read(ref passed) - 25, steps: 2, perStep: 5); // then the rate again

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completion);
    }

    [Fact]
    public async Task Raising_the_rate_wakes_an_item_waiting_on_the_old_bucket()
    {
        var time = new ManualTimeProvider();
        using var throttle = new ThrottleStage<int>(new ThrottleStageOptions { RatePerSecond = 0.01, TimeProvider = time }); // a token every 100 s
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
        for (var i = 0; i < 10; i++)
        {
            time.Advance(Period);
        }
        Assert.Equal(0, Volatile.Read(ref passed)); // a second earned a hundredth of a token

        throttle.RatePerSecond = 1000;
        time.Advance(Period);

        await completion.WaitAsync(Hang);
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

    /// <summary>Moves the clock one top-up at a time; after each, exactly <paramref name="perStep"/> more items have passed.</summary>
    private static async Task AdvanceAsync(ManualTimeProvider time, Func<int> passed, int steps, int perStep)
    {
        for (var step = 1; step <= steps; step++)
        {
            time.Advance(Period);
            var expected = step * perStep;
            Assert.True(await Eventually.HoldsAsync(() => passed() >= expected, Hang), $"after {step} top-ups: {passed()} of {expected}");
            Assert.Equal(expected, passed());
        }
    }
}
