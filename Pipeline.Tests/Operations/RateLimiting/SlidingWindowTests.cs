using Pipeline.Host.Operations.RateLimiting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.RateLimiting;

/// <summary>The window's arithmetic on a manual clock: what it admits, when permits come back, and what it forgets.</summary>
public sealed class SlidingWindowTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Admits_the_limit_then_refuses_until_the_oldest_request_leaves_the_window()
    {
        var clock = new ManualTimeProvider(Start);
        var window = new SlidingWindow(3, TimeSpan.FromMinutes(1), clock);

        Assert.True(window.TryAcquire("a").Acquired);           // 10:00:00
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(window.TryAcquire("a").Acquired);           // 10:00:20
        Assert.True(window.TryAcquire("a").Acquired);
        clock.Advance(TimeSpan.FromSeconds(10));
        var refused = window.TryAcquire("a");                   // 10:00:30

        Assert.False(refused.Acquired);
        Assert.Equal(0, refused.Remaining);
        Assert.Equal(Start.AddMinutes(1), refused.Reset);       // the 10:00:00 request leaves at 10:01:00

        clock.Advance(TimeSpan.FromSeconds(29.9));
        Assert.False(window.TryAcquire("a").Acquired);          // 10:00:59.9: still a full window
        clock.Advance(TimeSpan.FromSeconds(0.1));
        var freed = window.TryAcquire("a");                     // 10:01:00: one permit back
        Assert.True(freed.Acquired);
        Assert.Equal(0, freed.Remaining);
        Assert.Equal(Start.AddSeconds(80), freed.Reset);        // next: the two from 10:00:20
        Assert.False(window.TryAcquire("a").Acquired);

        clock.Advance(TimeSpan.FromSeconds(20));
        var later = window.Peek("a");                           // 10:01:20
        Assert.Equal(2, later.Remaining);
    }

    [Fact]
    public void Never_admits_more_than_the_limit_in_any_minute_of_steady_traffic()
    {
        var clock = new ManualTimeProvider(Start);
        var window = new SlidingWindow(10, TimeSpan.FromMinutes(1), clock);
        var admitted = new List<DateTimeOffset>();

        for (var i = 0; i < 3000; i++)                          // one request every 100 ms for five minutes
        {
            if (window.TryAcquire("c").Acquired)
            {
                admitted.Add(clock.GetUtcNow());
            }
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        // Counted in one-second segments: within any 59 s at most the limit, and the long-run rate is the limit.
        foreach (var t in admitted)
        {
            Assert.True(admitted.Count(a => a >= t && a < t.AddSeconds(59)) <= 10, $"more than 10 admitted in the 59 s from {t:O}");
        }
        Assert.InRange(admitted.Count, 50, 51);
    }

    [Fact]
    public void Clients_do_not_share_permits_and_a_peek_takes_nothing()
    {
        var clock = new ManualTimeProvider(Start);
        var window = new SlidingWindow(1, TimeSpan.FromMinutes(1), clock);

        Assert.Equal(1, window.Peek("a").Remaining);
        Assert.Equal(1, window.Peek("a").Remaining);
        Assert.True(window.TryAcquire("a").Acquired);
        Assert.False(window.TryAcquire("a").Acquired);
        Assert.True(window.TryAcquire("b").Acquired);
        Assert.Equal(Start, window.Peek("c").Reset);            // nothing counted: nothing to wait for
    }

    [Fact]
    public void Idle_clients_are_forgotten_after_a_window()
    {
        var clock = new ManualTimeProvider(Start);
        var window = new SlidingWindow(5, TimeSpan.FromMinutes(1), clock);
        for (var i = 0; i < 1000; i++)
        {
            window.TryAcquire("client-" + i);
        }
        Assert.Equal(1000, window.ClientCount);

        clock.Advance(TimeSpan.FromSeconds(61));
        window.TryAcquire("fresh");

        Assert.Equal(1, window.ClientCount);
        Assert.Equal(5, window.Peek("client-1").Remaining);
    }

    [Fact]
    public async Task Concurrent_requests_of_one_client_never_exceed_the_limit()
    {
        var window = new SlidingWindow(100, TimeSpan.FromMinutes(1), TimeProvider.System);

        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(() => window.TryAcquire("hot").Acquired)));

        Assert.Equal(100, results.Count(r => r));
    }
}
