using System.Collections.Concurrent;

namespace Pipeline.Actors.ReadSide;

/// <summary>
/// Caches records that never change once written (an event's name and fee, a member, an order's binding), so the
/// payment path does not read them from storage on every request. Only found records are kept: a miss is asked
/// again, since the record may be written a moment later, possibly on another node.
/// </summary>
/// <remarks>
/// Bounded in two generations of up to <paramref name="capacity"/> records each: when the current one is full it becomes
/// the previous one (the older previous one is dropped) and a new one starts, and a record found in the previous one
/// moves back to the current one. So the last <paramref name="capacity"/> records added or used are always kept; a
/// cache that started over when full instead dropped the orders placed just before their confirmations came (every
/// confirmation of a bench's 20,000 placed orders read its order again).
/// </remarks>
public sealed class WriteOnceCache<T>(int capacity = 100_000) where T : class
{
    private Generations _generations = new(new(StringComparer.Ordinal), new(StringComparer.Ordinal));

    public async Task<T?> GetAsync(string id, Func<string, CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
    {
        var generations = _generations;
        if (generations.Current.TryGetValue(id, out var cached))
        {
            return cached;
        }
        if (generations.Previous.TryGetValue(id, out cached))
        {
            return Add(id, cached);
        }
        var loaded = await load(id, cancellationToken);
        return loaded is null ? null : Add(id, loaded);
    }

    /// <summary>Keeps a record this node has just written (it is in storage, or will be once projected).</summary>
    public T Add(string id, T record)
    {
        var generations = _generations;
        if (generations.Current.Count >= capacity)
        {
            // One caller turns the generation; the others add to whichever is current when they read it again.
            Interlocked.CompareExchange(ref _generations, new Generations(new(StringComparer.Ordinal), generations.Current), generations);
        }
        _generations.Current.TryAdd(id, record);
        return record;
    }

    private sealed record Generations(ConcurrentDictionary<string, T> Current, ConcurrentDictionary<string, T> Previous);
}
