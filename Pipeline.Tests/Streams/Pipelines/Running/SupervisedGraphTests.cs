using System.Collections.Concurrent;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Running;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Pipelines.Running;

/// <summary>
/// The frame every pipeline runs in: restart with backoff on failure, and the drain on stop. Items are numbers a
/// claim loop "claims"; a run settles what reaches its end and hands back, in its cleanup, what it claimed and did
/// not settle, as the pipelines do with leases.
/// </summary>
public sealed class SupervisedGraphTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_failed_run_is_cleaned_up_and_restarted_and_the_supervisor_counts_the_restarts()
    {
        var supervisor = new PipelineSupervisor();
        var runs = 0;
        var cleaned = 0;
        using var stop = new CancellationTokenSource();
        var running = SupervisedGraph.RunAsync("test", run =>
        {
            var number = Interlocked.Increment(ref runs);
            run.Finally(() =>
            {
                Interlocked.Increment(ref cleaned);
                return Task.CompletedTask;
            });
            return run.Claims<int>(CountAsync)
                .Select<int, NotUsed, NotUsed>(i => number <= 2 && i == 3 ? throw new InvalidOperationException($"run {number} broke") : NotUsed.Instance);
        }, Options(drainTimeout: TimeSpan.FromSeconds(5)), supervisor, Sys.Materializer(), NullLogger.Instance, stop.Token);

        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref runs) == 3 && supervisor.State == RestartState.Running, Hang));
        Assert.Equal(2, supervisor.Restarts);
        Assert.Equal("run 2 broke", supervisor.LastFailure?.Message);
        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref cleaned) == 2, Hang), "each failed run was cleaned up");

        await stop.CancelAsync();
        await running.WaitAsync(Hang);
        Assert.Equal(RestartState.Stopped, supervisor.State);
        Assert.Equal(3, Volatile.Read(ref cleaned));
        Assert.Equal(3, Volatile.Read(ref runs)); // stopping is not a failure: nothing restarts
    }

    [Fact]
    public async Task On_stop_claims_end_in_flight_steps_finish_and_settle_and_the_rest_is_handed_back()
    {
        var items = new Ledger();
        var counters = new StageCounters();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var running = SupervisedGraph.RunAsync("test", run => items.Build(run, counters,
            // Not canceled by the stop: like a WhatsApp send under way, the drain lets it finish.
            async (i, _) =>
            {
                await release.Task;
                return i.ToString();
            }), Options(drainTimeout: TimeSpan.FromSeconds(20)), new PipelineSupervisor(), Sys.Materializer(), NullLogger.Instance, stop.Token);
        Assert.True(await Eventually.HoldsAsync(() => counters.InFlight == 2, Hang));

        await stop.CancelAsync();
        await Task.Delay(200);
        Assert.False(running.IsCompleted); // the drain waits for the steps in flight
        release.SetResult();
        await running.WaitAsync(Hang);

        Assert.Equal(2, items.Settled.Count);
        items.AssertEachClaimedItemSettledOrHandedBackOnce();
        Assert.Equal(0, counters.InFlight);
    }

    [Fact]
    public async Task Steps_still_running_when_the_drain_times_out_are_canceled_and_awaited_before_their_items_are_handed_back()
    {
        var items = new Ledger();
        var counters = new StageCounters();
        var stepsEnded = 0;
        using var stop = new CancellationTokenSource();
        var running = SupervisedGraph.RunAsync("test", run => items.Build(run, counters, async (i, ct) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                    return i.ToString();
                }
                finally
                {
                    Interlocked.Increment(ref stepsEnded);
                }
            }), Options(drainTimeout: TimeSpan.FromMilliseconds(300)), new PipelineSupervisor(), Sys.Materializer(), NullLogger.Instance, stop.Token);
        Assert.True(await Eventually.HoldsAsync(() => counters.InFlight == 2, Hang));

        await stop.CancelAsync();
        await running.WaitAsync(Hang);

        Assert.Equal(2, Volatile.Read(ref stepsEnded));
        Assert.Empty(items.Settled);
        items.AssertEachClaimedItemSettledOrHandedBackOnce();
        Assert.Equal(0, counters.Failed); // cut by the stop: not a failure of the item
    }

    private static PipelineOptions Options(TimeSpan drainTimeout) => new()
    {
        MinRestartBackoff = TimeSpan.FromMilliseconds(50),
        MaxRestartBackoff = TimeSpan.FromMilliseconds(100),
        DrainTimeout = drainTimeout,
    };

    private static async Task CountAsync(System.Threading.Channels.ChannelWriter<int> writer, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            await writer.WriteAsync(i, cancellationToken);
            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>What a run claimed, settled and handed back, by item.</summary>
    private sealed class Ledger
    {
        public ConcurrentDictionary<int, bool> Claimed { get; } = new();

        public ConcurrentBag<int> Settled { get; } = [];

        public ConcurrentBag<int> HandedBack { get; } = [];

        /// <summary>Claims until told to stop claiming, runs <paramref name="step"/> two at a time, settles at the end.</summary>
        public Source<NotUsed, NotUsed> Build(GraphRun run, StageCounters counters, Func<int, CancellationToken, Task<string>> step)
        {
            var unsettled = new ConcurrentDictionary<int, bool>();
            run.Finally(() =>
            {
                foreach (var item in unsettled.Keys)
                {
                    HandedBack.Add(item);
                }
                return Task.CompletedTask;
            });
            var settings = PipelineSettings.Live(PipelineSettings.Default with { Parallelism = 2 });
            return run.Claims<int>(async (writer, ct) =>
                {
                    for (var i = 0; !run.StopClaiming.IsCancellationRequested; i++)
                    {
                        Claimed[i] = unsettled[i] = true;
                        await writer.WriteAsync(i, ct);
                    }
                })
                .Via(new LiveParallel<int, string?>(settings, run.Step<int, string>(counters, (i, ct) => step(i, ct), (_, _, _) => Task.CompletedTask)))
                .Collect(s => s is not null, s => int.Parse(s!))
                .Select<int, NotUsed, NotUsed>(i =>
                {
                    unsettled.TryRemove(i, out _);
                    Settled.Add(i);
                    return NotUsed.Instance;
                });
        }

        public void AssertEachClaimedItemSettledOrHandedBackOnce()
        {
            var outcomes = Settled.Concat(HandedBack).Order().ToList();
            Assert.Equal(Claimed.Keys.Order(), outcomes);
        }
    }
}
