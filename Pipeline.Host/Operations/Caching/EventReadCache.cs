using System.Collections.Concurrent;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Host.Operations.Caching;

/// <summary>
/// The public event reads (<c>GET /api/events</c>, <c>GET /api/events/{id}</c>) served from memory for at most
/// <see cref="MaxAge"/>. A confirmation on this node evicts its event (and every list page, which carries counts)
/// before its response goes out, so this node's answers reflect every confirmation completed before the request;
/// changes made by other nodes show once the entry expires, within <see cref="MaxAge"/> of the read that filled it.
/// </summary>
/// <remarks>
/// A read that was already under way when an eviction happened could put the old count back after it. Entries are
/// therefore stamped with the eviction generation seen before their read started, and served only while that
/// generation is still current: an eviction makes every entry read before it invisible at once. Generations are kept
/// per stripe of event ids (bounded memory, whatever ids are asked for); misses (unknown ids) are not cached.
/// Requests that miss together share one read of an event (see <see cref="GetAsync"/>), and an entry read is renewed
/// in the background once it is older than <see cref="RefreshAfter"/>, while it is still served: under steady traffic
/// an event's entry never expires, so the requests for it never wait for its attendee count (the entries read
/// together, after a restart or an eviction of every list, would otherwise expire together and stall every request
/// for them at once).
/// </remarks>
internal sealed class EventReadCache(IEventReadModel inner, TimeProvider time) : IEventReadModel
{
    /// <summary>Entries expire this long after the read that filled them began (the contract allows 5 s).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(4);

    /// <summary>A request that finds its entry this old (and not yet <see cref="MaxAge"/>) starts the entry's renewal.</summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(2);

    /// <summary>List pages kept at most (cursors are client input; the event entries are bounded by the events that exist).</summary>
    public const int MaxListEntries = 1024;

    private const int Stripes = 256;

    private readonly long[] _eventGenerations = new long[Stripes];
    private long _listGeneration;
    private readonly ConcurrentDictionary<string, Entry<EventSummary>> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Flight> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(long After, int Limit), Entry<IReadOnlyList<(long Position, EventSummary Event)>>> _lists = new();

    public async Task<EventSummary?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var stripe = StripeOf(id);
        var now = time.GetUtcNow();
        var seen = Volatile.Read(ref _eventGenerations[stripe]);
        if (_events.TryGetValue(id, out var entry) && entry.IsFresh(now, seen))
        {
            if (now >= entry.RefreshAt && !(_reads.TryGetValue(id, out var running) && running.Serves(seen)))
            {
                // Renewed in the background, observed there (a failure leaves the entry to expire, and the request
                // that misses then sees the error).
                _ = JoinOrStart(id, seen, now).Read.Value.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            return entry.Value;
        }
        return await JoinOrStart(id, seen, now).Read.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// One read of an event at a time: the requests that miss while it runs (every one of them when a popular event's
    /// entry expires) share it, if no eviction came between its start and theirs; otherwise each would count the
    /// event's attendees again.
    /// </summary>
    private Flight JoinOrStart(string id, long generation, DateTimeOffset now)
    {
        var start = new Flight(this, id, generation, now); // not started unless it is the one kept
        return _reads.AddOrUpdate(id, static (_, start) => start,
            static (_, current, start) => current.Serves(start.Generation) ? current : start, start);
    }

    /// <summary>
    /// A read of one event from the read side that every request missing meanwhile may wait for. It is not cut short by
    /// the request that started it (others wait for it too), it fills the entry stamped with the generation seen
    /// before it began, and it leaves <see cref="_reads"/> when it ends.
    /// </summary>
    private sealed class Flight
    {
        public Flight(EventReadCache cache, string id, long generation, DateTimeOffset startedAt)
        {
            Generation = generation;
            Read = new(async () =>
            {
                try
                {
                    return await cache.ReadAsync(id, generation, startedAt);
                }
                finally
                {
                    cache._reads.TryRemove(new KeyValuePair<string, Flight>(id, this));
                }
            });
        }

        public long Generation { get; }

        public Lazy<Task<EventSummary?>> Read { get; }

        /// <summary>Still running, and its answer valid for a request that saw <paramref name="generation"/>.</summary>
        public bool Serves(long generation) => Generation == generation && !(Read.IsValueCreated && Read.Value.IsCompleted);
    }

    private async Task<EventSummary?> ReadAsync(string id, long generation, DateTimeOffset startedAt)
    {
        var summary = await inner.GetAsync(id, CancellationToken.None);
        if (summary is not null)
        {
            _events[id] = new Entry<EventSummary>(summary, startedAt + MaxAge, generation) { RefreshAt = startedAt + RefreshAfter };
        }
        return summary;
    }

    public async Task<IReadOnlyList<(long Position, EventSummary Event)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        var key = (afterPosition, limit);
        var now = time.GetUtcNow();
        var seen = Volatile.Read(ref _listGeneration);
        if (_lists.TryGetValue(key, out var entry) && entry.IsFresh(now, seen))
        {
            return entry.Value;
        }
        var rows = await inner.ListAsync(afterPosition, limit, cancellationToken);
        if (_lists.Count >= MaxListEntries)
        {
            foreach (var (k, e) in _lists)
            {
                if (!e.IsFresh(now, seen))
                {
                    _lists.TryRemove(new(k, e));
                }
            }
        }
        if (_lists.Count < MaxListEntries)
        {
            _lists[key] = new(rows, now + MaxAge, seen);
        }
        return rows;
    }

    /// <summary>The event's count changed on this node: no answer read before now is served again.</summary>
    public void EvictEvent(string eventId)
    {
        Interlocked.Increment(ref _eventGenerations[StripeOf(eventId)]);
        _events.TryRemove(eventId, out _);
        EvictLists();
    }

    /// <summary>The set of events changed on this node (one was created), or a count in them did.</summary>
    public void EvictLists()
    {
        Interlocked.Increment(ref _listGeneration);
        _lists.Clear();
    }

    private static int StripeOf(string id) => (int)((uint)StringComparer.Ordinal.GetHashCode(id) % Stripes);

    private sealed record Entry<T>(T Value, DateTimeOffset ExpiresAt, long Generation)
    {
        /// <summary>When a request renews the entry in the background (events only; list pages just expire).</summary>
        public DateTimeOffset RefreshAt { get; init; } = DateTimeOffset.MaxValue;

        public bool IsFresh(DateTimeOffset now, long generation) => now < ExpiresAt && Generation == generation;
    }
}
