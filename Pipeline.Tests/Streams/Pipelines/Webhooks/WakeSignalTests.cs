using System.Diagnostics;
using Pipeline.Streams.Pipelines.Webhooks;

namespace Pipeline.Tests.Streams.Pipelines.Webhooks;

public sealed class WakeSignalTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_pulse_while_nobody_waits_ends_the_next_wait_at_once_and_only_that_one()
    {
        var signal = new WakeSignal();
        signal.Pulse();
        signal.Pulse();

        await signal.WaitAsync(Long, TimeProvider.System, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var second = signal.WaitAsync(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None);
        var started = Stopwatch.StartNew();
        await second;
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(150), "the two pulses collapse into one");
    }

    [Fact]
    public async Task A_pulse_ends_a_running_wait()
    {
        var signal = new WakeSignal();
        var waiting = signal.WaitAsync(Long, TimeProvider.System, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        signal.Pulse();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Without_a_pulse_the_wait_ends_after_its_timeout()
    {
        var started = Stopwatch.StartNew();
        await new WakeSignal().WaitAsync(TimeSpan.FromMilliseconds(100), TimeProvider.System, CancellationToken.None);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(90));
    }
}
