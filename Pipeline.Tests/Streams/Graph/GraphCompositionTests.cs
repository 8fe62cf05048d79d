using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Breaker;
using Pipeline.Streams.Stages.Buffer;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Streams.Stages.Pause;
using Pipeline.Streams.Stages.Throttle;

namespace Pipeline.Tests.Streams.Graph;

/// <summary>The whole shape a pipeline has: source → buffer → throttle → pause → parallel(step with breaker) → sink, bound to live settings.</summary>
public sealed class GraphCompositionTests
{
    [Fact]
    public async Task Source_buffer_throttle_pause_parallel_with_breaker_and_sink_deliver_every_item()
    {
        const int items = 500;
        var settings = PipelineSettings.Live(new PipelineSettings(RatePerSecond: 100_000, Parallelism: 2, BufferSize: 50, Paused: false));
        var counters = new StageCounters();
        var buffer = new BufferStage<int>(new BufferStageOptions { Capacity = settings.Current.BufferSize, Counters = counters });
        using var throttle = new ThrottleStage<int>(settings.Current.RatePerSecond);
        var gate = new PauseGate();
        var breaker = new CircuitBreaker(new CircuitBreakerOptions(), new ManualTimeProvider());
        var parallel = new ParallelStage<int, string>(
            breaker.Wrap<int, string>(async (item, ct) =>
            {
                await Task.Yield();
                return $"sent {item}";
            }),
            new ParallelStageOptions<int> { Parallelism = settings.Current.Parallelism, Counters = counters });
        using var binding = settings.OnChange(s =>
        {
            buffer.Capacity = s.BufferSize;
            throttle.RatePerSecond = s.RatePerSecond;
            parallel.Parallelism = s.Parallelism;
            gate.Set(s.Paused);
        });
        var sent = new List<string>();

        settings.Update(s => s with { Parallelism = 8, BufferSize = 100 });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var graph = new StageContext(stop.Token);
        await graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < items; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(buffer)
            .Via(throttle)
            .Via(new PauseStage<int>(gate))
            .Via(parallel)
            .To((line, _) =>
            {
                sent.Add(line);
                return ValueTask.CompletedTask;
            });

        Assert.Equal(items, sent.Count);
        Assert.Equal(items, sent.Distinct().Count());
        Assert.Equal(items, counters.Processed);
        Assert.Equal(0, counters.Failed);
        Assert.Equal(0, counters.QueueDepth);
        Assert.Equal(8, parallel.Parallelism);
        Assert.Equal(100, buffer.Capacity);
    }

    [Fact]
    public async Task The_first_failing_stage_cancels_the_others_and_is_the_error_reported()
    {
        await using var graph = new StageContext();
        var completion = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; ; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(new BufferStage<int>(10))
            .To((item, _) => item == 42 ? throw new InvalidDataException("bad item") : ValueTask.CompletedTask);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => completion);
        Assert.Equal("bad item", error.Message);
        Assert.True(graph.Cancellation.IsCancellationRequested);
    }
}
