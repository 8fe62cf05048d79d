using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Buffer;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Buffer;

public sealed class BufferStageTests
{
    [Fact]
    public async Task A_million_item_producer_is_held_back_by_a_sink_that_never_reads()
    {
        const int bufferSize = 100;
        const int parallelism = 4;
        var counters = new StageCounters();
        long produced = 0;
        var finished = false;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var graph = new StageContext(stop.Token);
        var flow = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < 1_000_000; i++)
                {
                    await writer.WriteAsync(i, ct);
                    Interlocked.Increment(ref produced);
                }
                Volatile.Write(ref finished, true);
            })
            .Via(new BufferStage<int>(new BufferStageOptions { Capacity = bufferSize, Counters = counters }))
            .Via(new ParallelStage<int, int>((item, _) => ValueTask.FromResult(item),
                new ParallelStageOptions<int> { Parallelism = parallelism, Counters = counters }));
        // Nobody reads flow.Reader: the sink has stalled.

        Assert.True(await Eventually.HoldsAsync(() =>
            counters.QueueDepth == bufferSize && counters.InFlight == parallelism && flow.Reader.Count == 1));
        await Task.Delay(200); // a stalled producer stays stalled; waiting only gives a leak the chance to show

        // Source channel 1 + buffer 100 + buffer's output 1 + a blocked result per worker + the parallel output 1.
        // The bound holds at every instant if memory is bounded, so when it is checked does not matter.
        const int bound = 1 + bufferSize + 1 + parallelism + 1;
        Assert.InRange(Interlocked.Read(ref produced), bufferSize, bound);
        Assert.False(Volatile.Read(ref finished));
        Assert.Equal(bufferSize, counters.QueueDepth);
    }

    [Fact]
    public async Task Items_pass_in_order_and_the_graph_completes()
    {
        var received = new List<int>();
        await using var graph = new StageContext();
        await graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < 1000; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(new BufferStage<int>(16))
            .To((item, _) =>
            {
                received.Add(item);
                return ValueTask.CompletedTask;
            });

        Assert.Equal(Enumerable.Range(0, 1000), received);
    }

    [Fact]
    public async Task An_upstream_error_fails_the_graph_with_that_error()
    {
        var received = new List<int>();
        await using var graph = new StageContext();
        var completion = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
                throw new InvalidOperationException("source broke");
            })
            .Via(new BufferStage<int>(16))
            .To((item, _) =>
            {
                received.Add(item);
                return ValueTask.CompletedTask;
            });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => completion);
        Assert.Equal("source broke", error.Message);
        // Fail-fast: whatever arrived before the graph was canceled came in order; the rest was dropped.
        Assert.Equal(Enumerable.Range(0, received.Count), received);
    }

    [Fact]
    public async Task On_its_own_the_buffer_passes_an_upstream_error_on_after_the_items_before_it()
    {
        var input = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var output = System.Threading.Channels.Channel.CreateUnbounded<int>();
        for (var i = 0; i < 5; i++)
        {
            input.Writer.TryWrite(i);
        }
        input.Writer.TryComplete(new InvalidOperationException("source broke"));

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => new BufferStage<int>(16).RunAsync(input.Reader, output.Writer, CancellationToken.None));

        output.Writer.TryComplete();
        var passed = await output.Reader.ReadAllAsync().ToArrayAsync();
        Assert.Equal([0, 1, 2, 3, 4], passed);
    }

    [Fact]
    public async Task Capacity_changes_while_running()
    {
        var counters = new StageCounters();
        var buffer = new BufferStage<int>(new BufferStageOptions { Capacity = 10, Counters = counters });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var graph = new StageContext(stop.Token);
        var reader = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; ; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(buffer)
            .Reader;
        Assert.True(await Eventually.HoldsAsync(() => counters.QueueDepth == 10));

        buffer.Capacity = 3;
        for (var i = 0; i < 11; i++)
        {
            await reader.ReadAsync(stop.Token);
        }
        Assert.True(await Eventually.HoldsAsync(() => counters.QueueDepth == 3));
        await Task.Delay(100);
        Assert.Equal(3, counters.QueueDepth);

        buffer.Capacity = 20;
        Assert.True(await Eventually.HoldsAsync(() => counters.QueueDepth == 20));

        Assert.ThrowsAny<ArgumentException>(() => buffer.Capacity = 0);
        Assert.ThrowsAny<ArgumentException>(() => buffer.Capacity = 100_001);
        Assert.Equal(20, buffer.Capacity);
    }
}
