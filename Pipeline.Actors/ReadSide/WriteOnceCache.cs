using System.Collections.Concurrent;

namespace Pipeline.Actors.ReadSide;

/// <summary>
/// Caches records that never change once written (an event's name and fee, a member, an order's binding), so the
/// payment path does not read them from storage on every request. Only found records are kept: a miss is asked
/// again, since the record may be written a moment later, possibly on another node. Bounded: past
/// <paramref name="capacity"/> it starts over (a miss costs one read).
/// </summary>
public sealed class WriteOnceCache<T>(int capacity = 100_000) where T : class
{
    private ConcurrentDictionary<string, T> _records = new(StringComparer.Ordinal);

    public async Task<T?> GetAsync(string id, Func<string, CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
    {
        var records = _records;
        if (records.TryGetValue(id, out var cached))
        {
            return cached;
        }
        var loaded = await load(id, cancellationToken);
        return loaded is null ? null : Add(id, loaded);
    }

    /// <summary>Keeps a record this node has just written (it is in storage, or will be once projected).</summary>
    public T Add(string id, T record)
    {
        var records = _records;
        if (records.Count >= capacity)
        {
            Interlocked.CompareExchange(ref _records, new ConcurrentDictionary<string, T>(StringComparer.Ordinal), records);
        }
        _records.TryAdd(id, record);
        return record;
    }
}
