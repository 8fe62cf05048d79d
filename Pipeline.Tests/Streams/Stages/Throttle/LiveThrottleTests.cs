using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Throttle;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Throttle;

/// <summary>
/// The bucket earns tokens only when the test moves its manual clock (the stage's timer ticks in real time and adds
/// what the clock says elapsed), so what passes is counted exactly (rate × time moved, from an empty bucket),
/// whatever the machine's load.
/// </summary>
public sealed class LiveThrottleTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    /// <summary>Bounds each wait for items the clock already let through: a hang, not a speed limit.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private IMaterializer Materializer => Sys.Materializer();

    [Fact]
    public async Task Passes_exactly_its_rate_and_a_live_rate_change_applies_at_once_from_an_empty_bucket()
    {
        var time = new ManualTimeProvider();
        var settings = Settings(ratePerSecond: 50);
        var passed = 0;
        _ = Akka.Streams.Dsl.Source.From(Enumerable.Range(0, int.MaxValue))
            .Via(new LiveThrottle<int>(settings, time))
            .RunForeach(_ => Interlocked.Increment(ref passed), Materializer);

        await Task.Delay(300); // real ticks with the clock standing still earn nothing
        Assert.Equal(0, Volatile.Read(ref passed)); // the bucket starts empty
        await AdvanceAsync(time, () => Volatile.Read(ref passed), steps: 10, perStep: 5); // 1 s at 50/s: 50

        settings.Update(s => s with { RatePerSecond = 150 });
        await AdvanceAsync(time, () => Volatile.Read(ref passed) - 50, steps: 6, perStep: 15); // 0.6 s at 150/s: 90
    }

    [Fact]
    public async Task An_idle_spell_longer_than_the_burst_window_saves_only_that_windows_worth()
    {
        var time = new ManualTimeProvider();
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(new LiveThrottle<int>(Settings(ratePerSecond: 50), time))
            .ToMaterialized(this.SinkProbe<int>(), Keep.Both)
            .Run(Materializer);
        downstream.Request(1000);

        // Two seconds with nothing to pass: the bucket fills to 500 ms' worth (25) and drops the rest.
        for (var i = 0; i < 20; i++)
        {
            time.Advance(Step);
            await Task.Delay(20);
        }
        await Task.Delay(300); // a tick has seen the whole two seconds
        for (var i = 0; i < 25; i++)
        {
            await upstream.SendNextAsync(i);
            Assert.Equal(i, await downstream.ExpectNextAsync(Hang));
        }
        await upstream.SendNextAsync(25);
        await downstream.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // the 26th waits for the clock

        time.Advance(Step); // 100 ms at 50/s: five more
        Assert.Equal(25, await downstream.ExpectNextAsync(Hang));
        for (var i = 26; i < 30; i++)
        {
            await upstream.SendNextAsync(i);
            Assert.Equal(i, await downstream.ExpectNextAsync(Hang));
        }
    }

    [Fact]
    public async Task Raising_the_rate_lets_an_item_waiting_under_the_old_rate_through()
    {
        var time = new ManualTimeProvider();
        var settings = Settings(ratePerSecond: 0.01); // a token every 100 s
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(new LiveThrottle<int>(settings, time))
            .ToMaterialized(this.SinkProbe<int>(), Keep.Both)
            .Run(Materializer);
        downstream.Request(1);
        await upstream.SendNextAsync(7);
        time.Advance(TimeSpan.FromSeconds(1));
        await downstream.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // a second earned a hundredth of a token

        settings.Update(s => s with { RatePerSecond = 1000 });
        time.Advance(Step);

        Assert.Equal(7, await downstream.ExpectNextAsync(Hang));
    }

    /// <summary>
    /// The rate turned up and down while a stream of distinct items runs through it on the real clock: every item comes
    /// out exactly once and in order, whatever the changes did to the bucket.
    /// </summary>
    [Fact]
    public async Task Rate_changes_under_load_let_every_item_through_exactly_once_in_order()
    {
        const int items = 3000;
        var settings = Settings(ratePerSecond: 2000);
        var received = new List<int>();
        var done = Akka.Streams.Dsl.Source.From(Enumerable.Range(0, items))
            .Via(new LiveThrottle<int>(settings))
            .RunForeach(received.Add, Materializer);

        foreach (var rate in new double[] { 500, 20_000, 1000, 100_000, 3000, 50_000 })
        {
            await Task.Delay(100);
            settings.Update(s => s with { RatePerSecond = rate });
        }
        await done.WaitAsync(Hang);

        Assert.Equal(Enumerable.Range(0, items), received);
    }

    [Fact]
    public async Task Upstream_completion_waits_for_the_item_still_held_for_a_token()
    {
        var time = new ManualTimeProvider();
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(new LiveThrottle<int>(Settings(ratePerSecond: 10), time))
            .ToMaterialized(this.SinkProbe<int>(), Keep.Both)
            .Run(Materializer);
        downstream.Request(2);
        await upstream.SendNextAsync(1);
        await upstream.SendCompleteAsync();

        time.Advance(Step); // one token at 10/s
        Assert.Equal(1, await downstream.ExpectNextAsync(Hang));
        await downstream.ExpectCompleteAsync();
    }

    private static LiveSettings<PipelineSettings> Settings(double ratePerSecond) =>
        PipelineSettings.Live(PipelineSettings.Default with { RatePerSecond = ratePerSecond });

    /// <summary>Moves the clock one step at a time; after each, exactly <paramref name="perStep"/> more items have passed.</summary>
    private static async Task AdvanceAsync(ManualTimeProvider time, Func<int> passed, int steps, int perStep)
    {
        for (var step = 1; step <= steps; step++)
        {
            time.Advance(Step);
            var expected = step * perStep;
            Assert.True(await Eventually.HoldsAsync(() => passed() >= expected, Hang), $"after {step} steps: {passed()} of {expected}");
            await Task.Delay(150); // at least one more tick: the clock stood still, so nothing more may pass
            Assert.Equal(expected, passed());
        }
    }
}
