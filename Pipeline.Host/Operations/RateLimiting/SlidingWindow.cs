using System.Collections.Concurrent;

namespace Pipeline.Host.Operations.RateLimiting;

/// <summary>Where a client stands in its window: what the <c>X-RateLimit-*</c> headers say.</summary>
/// <param name="Reset">When the window next frees a permit (the oldest counted request leaves it); now when none is counted.</param>
internal readonly record struct WindowState(bool Acquired, int Limit, int Remaining, DateTimeOffset Reset);

/// <summary>
/// A sliding window per client: at most <c>limit</c> requests in any <c>window</c>, counted in one-second
/// segments (the built-in <c>SlidingWindowRateLimiter</c>'s scheme, with 60 segments). Written here rather than
/// taken from System.Threading.RateLimiting because the headers need the remaining count and the time the
/// next permit frees for the client of this request, which the built-in limiters and the middleware do not expose.
/// </summary>
/// <remarks>
/// Memory: one small array per client seen in the last window; clients idle for a whole window (nothing counted)
/// are swept out. No timers: segments roll forward when a client is next seen.
/// </remarks>
internal sealed class SlidingWindow
{
    private const int Segments = 60;

    private readonly ConcurrentDictionary<string, Client> _clients = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _segmentTicks;
    private long _nextSweepTicks;

    public SlidingWindow(int limit, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromSeconds(1));
        Limit = limit;
        Window = window;
        _time = time;
        _segmentTicks = window.Ticks / Segments;
    }

    public int Limit { get; }

    public TimeSpan Window { get; }

    /// <summary>Clients with a window in memory (for tests of the sweep).</summary>
    public int ClientCount => _clients.Count;

    /// <summary>Takes one permit for the client if its window has one left.</summary>
    public WindowState TryAcquire(string client) => Use(client, acquire: true);

    /// <summary>The client's window now, taking nothing.</summary>
    public WindowState Peek(string client) => Use(client, acquire: false);

    private WindowState Use(string key, bool acquire)
    {
        var now = _time.GetUtcNow();
        var segment = now.UtcTicks / _segmentTicks;
        SweepIfDue(now.UtcTicks, segment);
        while (true)
        {
            if (!acquire && !_clients.ContainsKey(key))
            {
                return new WindowState(false, Limit, Limit, now);
            }
            var client = _clients.GetOrAdd(key, static _ => new Client());
            lock (client)
            {
                if (client.Removed)
                {
                    continue; // swept while we looked it up: take the fresh one
                }
                client.Roll(segment);
                var acquired = acquire && client.Total < Limit;
                if (acquired)
                {
                    client.Counts[segment % Segments]++;
                    client.Total++;
                }
                return new WindowState(acquired, Limit, Limit - client.Total, ResetOf(client, segment, now));
            }
        }
    }

    /// <summary>A segment's permits come back when the window has moved a whole window past the segment's start.</summary>
    private DateTimeOffset ResetOf(Client client, long segment, DateTimeOffset now)
    {
        if (client.Total == 0)
        {
            return now;
        }
        for (var oldest = segment - Segments + 1; oldest <= segment; oldest++)
        {
            if (client.Counts[oldest % Segments] > 0)
            {
                return new DateTimeOffset((oldest + Segments) * _segmentTicks, TimeSpan.Zero);
            }
        }
        return now;
    }

    /// <summary>At most once a window, drops clients with nothing counted.</summary>
    private void SweepIfDue(long nowTicks, long segment)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (nowTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, nowTicks + Window.Ticks, due) != due)
        {
            return;
        }
        foreach (var (key, client) in _clients)
        {
            lock (client)
            {
                client.Roll(segment);
                if (client.Total == 0)
                {
                    client.Removed = true;
                    _clients.TryRemove(new KeyValuePair<string, Client>(key, client));
                }
            }
        }
    }

    private sealed class Client
    {
        public readonly int[] Counts = new int[Segments];
        public long Segment;
        public int Total;
        public bool Removed;

        /// <summary>Forgets the segments that left the window since <see cref="Segment"/>.</summary>
        public void Roll(long segment)
        {
            if (segment <= Segment)
            {
                return;
            }
            if (segment - Segment >= Segments)
            {
                Array.Clear(Counts);
                Total = 0;
            }
            else
            {
                for (var s = Segment + 1; s <= segment; s++)
                {
                    Total -= Counts[s % Segments];
                    Counts[s % Segments] = 0;
                }
            }
            Segment = segment;
        }
    }
}
