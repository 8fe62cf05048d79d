using Pipeline.Streams.Pipelines.Webhooks;

namespace Pipeline.Tests.Streams.Pipelines.Webhooks;

/// <summary>On a manual clock: a wait's timeout passes exactly when the test says, so no stopwatch margin is involved.</summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    /// <summary>Bounds a wait that must already be over: a hang, not a speed limit.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_pulse_while_nobody_waits_ends_the_next_wait_at_once_and_only_that_one()
    {
        var time = new ManualTimeProvider();
        var signal = new WakeSignal();
        signal.Pulse();
        signal.Pulse();

        await signal.WaitAsync(Long, time, CancellationToken.None).WaitAsync(Hang);
        var second = signal.WaitAsync(TimeSpan.FromMilliseconds(200), time, CancellationToken.None);

        Assert.False(second.IsCompleted, "the two pulses collapse into one");
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.False(second.IsCompleted, "the two pulses collapse into one");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(Hang);
    }

    [Fact]
    public async Task A_pulse_ends_a_running_wait()
    {
        var signal = new WakeSignal();
        var waiting = signal.WaitAsync(Long, new ManualTimeProvider(), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        signal.Pulse();

        await waiting.WaitAsync(Hang);
    }

    [Fact]
    public async Task Without_a_pulse_the_wait_ends_after_its_timeout()
    {
        var time = new ManualTimeProvider();
        var waiting = new WakeSignal().WaitAsync(TimeSpan.FromMilliseconds(100), time, CancellationToken.None);

        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await waiting.WaitAsync(Hang);
    }
}
