using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Parallel;

public sealed class LiveParallelTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private IMaterializer Materializer => Sys.Materializer();

    [Fact]
    public async Task Runs_at_most_N_at_once_and_a_live_change_of_N_takes_effect()
    {
        var settings = PipelineSettings.Live(PipelineSettings.Default with { Parallelism = 3 });
        var running = 0;
        var maxRunning = 0;
        using var proceed = new SemaphoreSlim(0);
        var downstream = Akka.Streams.Dsl.Source.From(Enumerable.Range(0, 100))
            .Via(new LiveParallel<int, int>(settings, async item =>
            {
                InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
                try
                {
                    await proceed.WaitAsync();
                    return item;
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            }))
            .RunWith(this.SinkProbe<int>(), Materializer);
        downstream.Request(100);

        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref running) == 3, Hang));
        await Task.Delay(100); // nothing may start beyond the limit, however long we look
        Assert.Equal(3, Volatile.Read(ref maxRunning));

        settings.Update(s => s with { Parallelism = 6 }); // growing starts work at once
        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref running) == 6, Hang));
        Assert.Equal(6, Volatile.Read(ref maxRunning));

        settings.Update(s => s with { Parallelism = 2 }); // shrinking lets the six finish and starts nothing until fewer than two run
        Volatile.Write(ref maxRunning, 0);
        proceed.Release(4);
        await downstream.ExpectNextNAsync(4, Hang).ToListAsync();
        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref running) == 2, Hang));
        await Task.Delay(100);
        Assert.Equal(2, Volatile.Read(ref running));

        proceed.Release(1000);
        var rest = await downstream.ExpectNextNAsync(96, Hang).ToListAsync();
        await downstream.ExpectCompleteAsync();
        Assert.Equal(96, rest.Distinct().Count());
        Assert.InRange(Volatile.Read(ref maxRunning), 1, 2);
    }

    [Fact]
    public async Task Results_come_out_as_their_steps_finish_not_in_arrival_order()
    {
        var settings = PipelineSettings.Live(PipelineSettings.Default with { Parallelism = 2 });
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(new LiveParallel<int, string>(settings, item => item == 1 ? first.Task : second.Task))
            .ToMaterialized(this.SinkProbe<string>(), Keep.Both)
            .Run(Materializer);
        downstream.Request(2);
        await upstream.SendNextAsync(1);
        await upstream.SendNextAsync(2);

        second.SetResult("two");
        Assert.Equal("two", await downstream.ExpectNextAsync(Hang));
        first.SetResult("one");
        Assert.Equal("one", await downstream.ExpectNextAsync(Hang));
        await upstream.SendCompleteAsync();
        await downstream.ExpectCompleteAsync();
    }

    [Fact]
    public async Task A_result_downstream_has_not_taken_still_holds_its_slot()
    {
        var settings = PipelineSettings.Live(PipelineSettings.Default with { Parallelism = 1 });
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(new LiveParallel<int, int>(settings, item => Task.FromResult(item)))
            .ToMaterialized(this.SinkProbe<int>(), Keep.Both)
            .Run(Materializer);
        await downstream.EnsureSubscriptionAsync();

        await upstream.SendNextAsync(1); // done at once, but nobody asked for it: the one slot is taken
        await upstream.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200)); // so no second item is pulled

        downstream.Request(1);
        Assert.Equal(1, await downstream.ExpectNextAsync(Hang));
        await upstream.SendNextAsync(2); // the slot is free again: it pulls
    }

    [Fact]
    public async Task A_step_that_throws_fails_the_stage_with_its_error()
    {
        var settings = PipelineSettings.Live(PipelineSettings.Default with { Parallelism = 4 });
        var downstream = Akka.Streams.Dsl.Source.From(Enumerable.Range(0, 10))
            .Via(new LiveParallel<int, int>(settings, async item =>
            {
                await Task.Yield();
                return item == 5 ? throw new InvalidOperationException("step broke") : item;
            }))
            .RunWith(this.SinkProbe<int>(), Materializer);
        downstream.Request(10);

        var error = await downstream.ExpectEventAsync(Hang) switch
        {
            TestSubscriber.OnError e => e.Cause,
            _ => await ErrorAfterItemsAsync(downstream),
        };
        Assert.Equal("step broke", error.Message);
    }

    private static async Task<Exception> ErrorAfterItemsAsync(TestSubscriber.Probe<int> downstream)
    {
        while (true)
        {
            if (await downstream.ExpectEventAsync(Hang) is TestSubscriber.OnError e)
            {
                return e.Cause;
            }
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
