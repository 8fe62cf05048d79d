using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Pause;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Pause;

public sealed class PauseStageTests
{
    [Fact]
    public async Task Pause_stops_the_flow_and_resume_continues_it()
    {
        const int items = 50;
        var gate = new PauseGate();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var graph = new StageContext(stop.Token);
        var reader = graph
            .Source<int>(async (writer, ct) =>
            {
                for (var i = 0; i < items; i++)
                {
                    await writer.WriteAsync(i, ct);
                }
            })
            .Via(new PauseStage<int>(gate))
            .Reader;
        var received = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            received.Add(await reader.ReadAsync(stop.Token));
        }

        gate.Pause();
        // Take what was already past the gate until the stage is parked at it.
        Assert.True(await Eventually.HoldsAsync(() =>
        {
            while (reader.TryRead(out var item))
            {
                received.Add(item);
            }
            return gate.Waiting == 1;
        }));
        while (reader.TryRead(out var item))
        {
            received.Add(item);
        }
        var atPause = received.Count;
        Assert.InRange(atPause, 5, 5 + 2); // one in the output channel, one in the stage's hand

        await Task.Delay(100); // while parked, nothing passes however long we wait
        Assert.False(reader.TryRead(out _));
        Assert.True(gate.IsPaused);

        gate.Resume();
        await foreach (var item in reader.ReadAllAsync(stop.Token))
        {
            received.Add(item);
        }
        Assert.Equal(Enumerable.Range(0, items), received);
        await graph.Completion();
    }

    [Fact]
    public async Task A_gate_created_paused_holds_everything_until_resumed()
    {
        var gate = new PauseGate(paused: true);
        var waiter = gate.WaitIfPausedAsync(CancellationToken.None).AsTask();
        Assert.Equal(1, gate.Waiting);
        Assert.False(waiter.IsCompleted);

        gate.Set(paused: false);
        await waiter;

        Assert.False(gate.IsPaused);
        Assert.Equal(0, gate.Waiting);
        Assert.True(gate.WaitIfPausedAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task A_canceled_wait_leaves_the_gate_paused()
    {
        var gate = new PauseGate(paused: true);
        using var cancel = new CancellationTokenSource();
        var waiter = gate.WaitIfPausedAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        Assert.True(gate.IsPaused);
        Assert.Equal(0, gate.Waiting);
    }
}
