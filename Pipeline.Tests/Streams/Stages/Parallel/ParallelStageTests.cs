using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Parallel;

public sealed class ParallelStageTests
{
    [Fact]
    public async Task Runs_at_most_N_at_once_and_a_live_change_of_N_takes_effect()
    {
        const int items = 100;
        var running = 0;
        var maxRunning = 0;
        using var proceed = new SemaphoreSlim(0);
        var parallel = new ParallelStage<int, int>(async (item, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            try
            {
                await proceed.WaitAsync(ct);
                return item;
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }, new ParallelStageOptions<int> { Parallelism = 3 });
        var received = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var graph = new StageContext(stop.Token);
        var completion = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < items; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(parallel)
            .To((_, _) =>
            {
                Interlocked.Increment(ref received);
                return ValueTask.CompletedTask;
            });

        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref running) == 3));
        await Task.Delay(100); // nothing may start beyond the limit, however long we look
        Assert.Equal(3, Volatile.Read(ref maxRunning));

        parallel.Parallelism = 6; // growing starts work at once
        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref running) == 6));
        Assert.Equal(6, Volatile.Read(ref maxRunning));

        parallel.Parallelism = 2; // shrinking lets the six finish and starts nothing until fewer than two run
        Volatile.Write(ref maxRunning, 0);
        proceed.Release(4);
        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref received) == 4 && Volatile.Read(ref running) == 2));
        await Task.Delay(100);
        Assert.Equal(2, Volatile.Read(ref running));
        Assert.Equal(0, Volatile.Read(ref maxRunning)); // none started while six, five, four, three ran

        proceed.Release(items);
        await completion;
        Assert.Equal(items, received);
        Assert.InRange(Volatile.Read(ref maxRunning), 1, 2);
        Assert.Equal(2, parallel.Parallelism);
    }

    [Fact]
    public async Task A_failing_item_settles_alone_and_the_rest_flow_on()
    {
        var counters = new StageCounters();
        var failures = new List<(int Item, string Message)>();
        var received = new List<int>();
        await using var graph = new StageContext();
        await graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < 20; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(new ParallelStage<int, int>(
                (item, _) => item % 2 == 1 ? throw new InvalidOperationException($"odd {item}") : ValueTask.FromResult(item),
                new ParallelStageOptions<int>
                {
                    Parallelism = 4,
                    Counters = counters,
                    OnFailure = (item, error, _) =>
                    {
                        lock (failures) failures.Add((item, error.Message));
                        return ValueTask.CompletedTask;
                    },
                }))
            .To((item, _) =>
            {
                received.Add(item);
                return ValueTask.CompletedTask;
            });

        // Unordered output: compare as sets.
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 2), received.Order());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 2 + 1), failures.Select(f => f.Item).Order());
        Assert.All(failures, f => Assert.Equal($"odd {f.Item}", f.Message));
        Assert.Equal(10, counters.Processed);
        Assert.Equal(10, counters.Failed);
        Assert.Equal(0, counters.InFlight);
    }

    [Fact]
    public async Task A_throwing_failure_handler_fails_the_graph()
    {
        await using var graph = new StageContext();
        var completion = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < 1000; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(new ParallelStage<int, int>(
                (_, _) => throw new InvalidOperationException("step"),
                new ParallelStageOptions<int> { OnFailure = (_, _, _) => throw new TimeoutException("storage down") }))
            .To((_, _) => ValueTask.CompletedTask);

        await Assert.ThrowsAsync<TimeoutException>(() => completion);
    }

    [Fact]
    public void Parallelism_out_of_range_is_refused()
    {
        var parallel = new ParallelStage<int, int>((i, _) => ValueTask.FromResult(i));

        Assert.ThrowsAny<ArgumentException>(() => parallel.Parallelism = 0);
        Assert.ThrowsAny<ArgumentException>(() => parallel.Parallelism = 1025);
        Assert.Equal(ParallelDefaults.Parallelism, parallel.Parallelism);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }
            seen = previous;
        }
    }
}
