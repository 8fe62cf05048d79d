using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Pause;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Pause;

public sealed class PauseGateTests
{
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
