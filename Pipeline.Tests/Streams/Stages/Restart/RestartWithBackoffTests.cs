using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Restart;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Restart;

/// <summary>Every wait goes through the fake clock: the tests read the delays the supervisor asked for and move time past them.</summary>
public sealed class RestartWithBackoffTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Backoff_doubles_from_min_and_is_capped_at_max()
    {
        var clock = new ManualTimeProvider();
        var runs = 0;
        var supervisor = new RestartWithBackoff(
            async ct =>
            {
                if (Interlocked.Increment(ref runs) <= 5)
                {
                    throw new InvalidOperationException("graph failed");
                }
                await Task.Delay(Timeout.Infinite, ct);
            },
            RestartSettings.Create(minBackoff: Second, maxBackoff: 5 * Second, randomFactor: 0),
            clock);
        using var stop = new CancellationTokenSource();
        var running = supervisor.RunAsync(stop.Token);

        TimeSpan[] expected = [Second, 2 * Second, 4 * Second, 5 * Second, 5 * Second];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(await Eventually.HoldsAsync(() => clock.RequestedDelays.Count == i + 1 && clock.PendingTimers == 1));
            Assert.Equal(RestartState.BackingOff, supervisor.State);
            clock.Advance(expected[i] - TimeSpan.FromTicks(1));
            Assert.Equal(i, supervisor.Restarts); // not a tick early
            clock.Advance(TimeSpan.FromTicks(1));
        }
        Assert.Equal(expected, clock.RequestedDelays);
        Assert.True(await Eventually.HoldsAsync(() => supervisor.State == RestartState.Running && Volatile.Read(ref runs) == 6));
        Assert.Equal(5, supervisor.Restarts);
        Assert.IsType<InvalidOperationException>(supervisor.LastFailure);

        await stop.CancelAsync();
        await running;
        Assert.Equal(RestartState.Stopped, supervisor.State);
    }

    [Fact]
    public async Task A_run_that_stayed_up_resets_the_backoff()
    {
        var clock = new ManualTimeProvider();
        var runs = 0;
        var healthyRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var supervisor = new RestartWithBackoff(
            async _ =>
            {
                var run = Interlocked.Increment(ref runs);
                if (run == 3)
                {
                    await healthyRun.Task; // runs until the test has moved the clock past the healthy window
                }
                throw new InvalidOperationException($"run {run} failed");
            },
            RestartSettings.Create(Second, 30 * Second, 0).WithMaxRestarts(count: 10, within: 10 * Second),
            clock);
        using var stop = new CancellationTokenSource();
        var running = supervisor.RunAsync(stop.Token);

        await AdvancePastBackoffAsync(clock, expectedCount: 1); // run 1 failed: 1 s
        await AdvancePastBackoffAsync(clock, expectedCount: 2); // run 2 failed: 2 s
        Assert.True(await Eventually.HoldsAsync(() => Volatile.Read(ref runs) == 3));
        clock.Advance(10 * Second);
        healthyRun.SetResult();                                   // run 3 failed after 10 s up
        Assert.True(await Eventually.HoldsAsync(() => clock.RequestedDelays.Count == 3));

        Assert.Equal([Second, 2 * Second, Second], clock.RequestedDelays);
        await stop.CancelAsync();
        await running;
        Assert.Equal(RestartState.Stopped, supervisor.State);
    }

    [Fact]
    public async Task After_max_restarts_it_gives_up_with_the_last_error()
    {
        var clock = new ManualTimeProvider();
        var runs = 0;
        var supervisor = new RestartWithBackoff(
            _ => throw new InvalidOperationException($"run {Interlocked.Increment(ref runs)} failed"),
            RestartSettings.Create(Second, 10 * Second, 0).WithMaxRestarts(count: 2, within: TimeSpan.FromMinutes(1)),
            clock);
        var running = supervisor.RunAsync(CancellationToken.None);

        await AdvancePastBackoffAsync(clock, expectedCount: 1);
        await AdvancePastBackoffAsync(clock, expectedCount: 2);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => running);
        Assert.Equal("run 3 failed", error.Message);
        Assert.Equal(RestartState.GaveUp, supervisor.State);
        Assert.Equal(2, supervisor.Restarts);
    }

    [Fact]
    public async Task Cancellation_during_a_backoff_stops_it()
    {
        var clock = new ManualTimeProvider();
        var supervisor = new RestartWithBackoff(
            _ => throw new InvalidOperationException("always"),
            RestartSettings.Create(Second, 10 * Second, 0),
            clock);
        using var stop = new CancellationTokenSource();
        var running = supervisor.RunAsync(stop.Token);
        Assert.True(await Eventually.HoldsAsync(() => clock.PendingTimers == 1));

        await stop.CancelAsync();
        await running;

        Assert.Equal(RestartState.Stopped, supervisor.State);
        Assert.Equal(0, supervisor.Restarts);
    }

    [Fact]
    public async Task Jitter_stretches_each_wait_by_up_to_the_random_factor()
    {
        var clock = new ManualTimeProvider();
        var supervisor = new RestartWithBackoff(
            _ => throw new InvalidOperationException("always"),
            RestartSettings.Create(Second, 4 * Second, randomFactor: 0.5),
            clock,
            jitterSample: () => 1.0);
        using var stop = new CancellationTokenSource();
        var running = supervisor.RunAsync(stop.Token);

        await AdvancePastBackoffAsync(clock, expectedCount: 1);
        await AdvancePastBackoffAsync(clock, expectedCount: 2);
        await AdvancePastBackoffAsync(clock, expectedCount: 3);
        await stop.CancelAsync();
        await running;

        Assert.Equal([1.5 * Second, 3 * Second, 6 * Second], clock.RequestedDelays.Take(3));
    }

    [Fact]
    public async Task A_whole_graph_that_fails_is_rebuilt_and_run_again()
    {
        var clock = new ManualTimeProvider();
        var attempts = 0;
        var delivered = new List<int>();
        var supervisor = new RestartWithBackoff(
            async ct =>
            {
                var attempt = Interlocked.Increment(ref attempts);
                await using var graph = new StageContext(ct);
                await graph
                    .Source<int>(async (writer, token) =>
                    {
                        for (var i = 0; i < 10; i++)
                        {
                            await writer.WriteAsync(i, token);
                        }
                    })
                    .To((item, _) =>
                    {
                        if (attempt == 1 && item == 3)
                        {
                            throw new InvalidOperationException("sink failed");
                        }
                        delivered.Add(item);
                        return ValueTask.CompletedTask;
                    });
            },
            RestartSettings.Create(Second, 10 * Second, 0),
            clock);
        var running = supervisor.RunAsync(CancellationToken.None);

        await AdvancePastBackoffAsync(clock, expectedCount: 1);
        await running;

        Assert.Equal(RestartState.Completed, supervisor.State);
        Assert.Equal(2, attempts);
        Assert.Equal([0, 1, 2, .. Enumerable.Range(0, 10)], delivered);
    }

    [Fact]
    public void Settings_are_validated()
    {
        Assert.ThrowsAny<ArgumentException>(() => RestartSettings.Create(TimeSpan.Zero, Second, 0));
        Assert.ThrowsAny<ArgumentException>(() => RestartSettings.Create(2 * Second, Second, 0));
        Assert.ThrowsAny<ArgumentException>(() => RestartSettings.Create(Second, 2 * Second, 1.5));
        Assert.ThrowsAny<ArgumentException>(() => RestartSettings.Create(Second, 2 * Second, 0).WithMaxRestarts(-1, Second));
        Assert.Equal(TimeSpan.FromDays(1), RestartSettings.Create(Second, TimeSpan.FromDays(1), 0).BackoffFor(200, 0));
    }

    /// <summary>Waits until the supervisor has asked for its <paramref name="expectedCount"/>-th wait, then moves the clock past it.</summary>
    private static async Task AdvancePastBackoffAsync(ManualTimeProvider clock, int expectedCount)
    {
        Assert.True(await Eventually.HoldsAsync(() => clock.RequestedDelays.Count == expectedCount && clock.PendingTimers == 1));
        clock.Advance(clock.RequestedDelays[^1]);
    }
}
